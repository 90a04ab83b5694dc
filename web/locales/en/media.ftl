# The console's media library (English). Every id here must exist in ru/ and zh/ too.
nav-media = Media
media-title = Media library
media-item-title = Media item
media-upload = Upload
media-choose-files = Files
media-drop-here = Or drop files here
media-upload-submit = Upload
media-upload-help = Images (PNG, JPEG, WebP, GIF, SVG) and videos (MP4, WebM). Large files are sent in pieces and continue where they stopped after a broken connection; after a reload, choose the same file again to continue.
media-uploads-list = Uploads in progress
media-upload-done = Uploaded
media-upload-failed = Failed
media-upload-retrying = Connection lost, retrying…
media-upload-resumed = Continuing an earlier upload
media-filters = Filter the library
media-search = Search by file name
media-kind = Kind
media-kind-image = Image
media-kind-video = Video
media-none = No media matches.
media-preview = Preview
media-size = Size
media-transcoding = Processing
media-job-none = —
media-job-queued = Waiting
media-job-running = Processing…
media-job-done = Ready
media-job-failed = Failed
media-review = Review
media-review-approved = Approved
media-review-pending = Waiting for review
media-review-rejected = Rejected
media-added = Added
media-original = Original file
media-download = Download
media-usage = Usage
media-unused = No campaign uses this item.
media-used-in = { $count ->
    [one] In { $count } campaign:
   *[other] In { $count } campaigns:
}
media-files = Derived files
media-no-files = No derived files (thumbnail, MP4, HLS) yet.
media-file = File
media-edit = Change
media-tags-field = Tags
media-tags-help = Separate tags with commas or spaces; letters, digits and hyphens.
media-save-tags = Save tags
media-name-field = File name
media-rename = Rename
media-delete = Delete
media-delete-confirm = Delete this media item for good?
media-delete-in-use = Remove it from the campaigns above first.
error-media-in-use = Campaigns use this item: remove it from them first.
error-upload-too-large = The file is larger than this server accepts.
error-unsupported-media-type = This is not an accepted format (MP4, WebM, PNG, JPEG, WebP, GIF, safe SVG).
error-too-many-tags = Too many tags.
media-job-cancelled = Cancelled
media-jobs = Processing jobs
media-job-kind = Job
media-job-state = State
media-job-progress = Progress
media-job-actions = Actions
media-job-cancel = Cancel
media-job-retry = Retry
media-job-kind-transcode = Screen rendition, poster, thumbnail
media-job-kind-portal = Portal: HLS, sound, storyboard
media-unplayable = { $count ->
    [one] { $count } screen this item is scheduled on cannot play it yet: its player does not decode the original and the screen rendition is not made yet. It is left out of that screen's rotation until then:
   *[other] { $count } screens this item is scheduled on cannot play it yet: their players do not decode the original and the screen rendition is not made yet. It is left out of their rotation until then:
}
