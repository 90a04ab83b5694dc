// Media preview: a transcoded video plays its HLS rendition (data-hls) where the browser can, natively or through
// the vendored hls.js (Media Source Extensions); otherwise the <video> keeps its src (the normalised MP4 or the
// original file), which is what plays without this script.
import { attachHls } from './hls-attach.js';

for (const video of document.querySelectorAll('video[data-hls]')) attachHls(video, video.dataset.hls);
