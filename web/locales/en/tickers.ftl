## The desk's tickers (console)
tickers-title = News tickers
tickers-intro = A ticker runs the newest published short headlines on the screens you choose, each screen in its audience's language. A withdrawn or expired story leaves every screen at once.
tickers-new = New ticker
tickers-none = No ticker yet: screens show only tickers of campaigns.
tickers-screens = Screens
tickers-screens-help = Any screen matching one of these runs the ticker; choose nothing for every screen.
tickers-kinds = Location kinds
tickers-locations = Locations
tickers-groups = Screen groups
tickers-screen-tags = Screen tags
tickers-screen-tags-help = Screens with any of these tags, separated by commas.
tickers-stories = Stories
tickers-stories-help = Published stories of the chosen rubrics (none: every rubric) carrying every tag below.
tickers-rubrics = Rubrics
tickers-story-tags = Story tags
tickers-story-tags-help = Only stories with all of these tags, separated by commas; empty: every story.
tickers-max-items = Headlines (at most)
tickers-seconds = Seconds per headline
tickers-enabled = On air
tickers-delete = Delete this ticker
tickers-state = State
tickers-on = On air
tickers-off = Off
tickers-everywhere = Every screen
tickers-all-stories = Every story
tickers-n-locations = { $n ->
    [one] { $n } location
   *[other] { $n } locations
}
tickers-stale = Someone changed this ticker since you opened it. Your changes are kept below; saving again overwrites theirs.
tickers-err-max-items = Enter a number of headlines from 1 to 50.
tickers-err-seconds = Enter from 1 to 120 seconds.
tickers-err-tags = Tags are lower-case words, digits and single hyphens, separated by commas.
tickers-err-name = Give the ticker a name (up to 200 characters).
tickers-err-rubrics = Choose rubrics from the list.
tickers-err-targets = One of the chosen screen groups no longer exists, or the targets are not valid.
