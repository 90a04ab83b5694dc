## The public portal.
portal-site = Twin Cities
portal-title = Travel the world from home
portal-lead = Watch the partner cities of our city — the same films that play on the screens at the airport, on the main street, in the metro and at bus terminals.
portal-footer = The programme of partner cities: films, news and cooperation projects.
portal-privacy = No cookies, no tracking: views are counted per video and day, and not at all when your browser asks not to be tracked.
portal-nav-label = Sections
portal-nav-home = Home
portal-nav-cities = Cities
portal-nav-tour = Tour
portal-search-label = Search cities
portal-search-placeholder = City, country…
portal-search-button = Search
portal-count-cities = { $n ->
    [one] { $n } partner city
   *[other] { $n } partner cities
}
portal-count-countries = { $n ->
    [one] { $n } country
   *[other] { $n } countries
}
portal-start-tour = Start the tour
portal-random = A random city
portal-map-title = Our partners on the map
portal-map-label = World map of the partner cities
portal-map-help = Choose a city on the map (mouse, or Tab and Enter) to see its films.
portal-legend = Continents
portal-now-title = On the city's screens now
portal-now-alert = Public announcement
portal-now-network = Programme information
portal-since = since { $year }
portal-continents = Continents
portal-cities-title = Partner cities by continent and country
portal-crumbs = You are here
portal-download = Download the film
portal-no-video = No film has been published for this city yet.
portal-listen = Listen only (the sound without the picture: about a tenth of the data)
portal-scrub = Scrub through the film (shows its frames; arrow keys move by a step)
portal-watch = Watch the film
portal-more-videos = More films
portal-facts = Facts
portal-country = Country
portal-continent = Continent
portal-partner-since = Partners since
portal-distance = Distance
portal-distance-from = Distance from { $city }
portal-km = { $km } km
portal-city-map-label = Where the city is
portal-about = About the city
portal-more-cities = More cities
portal-missing-title = Page not found
portal-missing-text = There is no such page. The city may have been renamed, or the link is mistyped.
portal-tour-title = Tour of the partner cities
portal-tour-lead = Every city in turn, as the city's screens show them. Sit back, or choose the next city yourself.
portal-tour-pause = Pause
portal-tour-play = Play
portal-tour-next = Next city
portal-tour-sound = Sound on
portal-tour-fullscreen = Full screen
portal-tour-open = Open this city's page
portal-tour-noscript = The tour needs JavaScript; here is every city's page instead.
portal-embed-open = Open { $city } on the portal (new tab)
continent-africa = Africa
continent-antarctica = Antarctica
continent-asia = Asia
continent-europe = Europe
continent-north_america = North America
continent-oceania = Oceania
continent-south_america = South America
portal-search-title = Search
portal-search-too-long = A search can be at most { $max } characters long.
portal-search-count = { $n ->
    [0] Nothing found
    [one] { $n } result
   *[other] { $n } results
}
portal-search-none = Try a city's name in any language, a country or a word from a description.
portal-kind-city = City
portal-kind-news = News
portal-kind-project = Project

# News desk
news-feed-title = Twincast — News
news-feed-description = News of our city and its partner cities.
news-feed-rss = News (RSS)
news-feed-atom = News (Atom)
news-feed-json = News (JSON Feed)
portal-nav-news = News
news-latest-title = Latest news
news-rubrics = Rubrics
news-all = All news
news-none = No news yet.
news-older = Older news
news-feeds = Subscribe
news-source = Source
news-contact = Contact
news-tags = Tags
news-other-languages = In other languages
news-back = All news
