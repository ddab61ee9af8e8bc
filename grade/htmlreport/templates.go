package htmlreport

import "html/template"

// The pages' style: readable on a phone (tables scroll sideways inside
// their box, pictures shrink to the width), and on paper (no buttons,
// links spelled out, every part printed).
const style = `
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.5rem;margin:.2rem 0}
h2{font-size:1.2rem;margin-top:1.6rem;border-bottom:1px solid #ddd}
.muted{color:#555}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e3e3;vertical-align:top}
th button{font:inherit;font-weight:bold;background:none;border:0;padding:0;cursor:pointer;color:#1a4a8a}
th[aria-sort=ascending] button::after{content:" \25B2"}
th[aria-sort=descending] button::after{content:" \25BC"}
td.num,th.num{text-align:right;white-space:nowrap}
.pass{color:#1b6e2a;font-weight:bold}
.fail{color:#b71c1c;font-weight:bold}
.flag{display:inline-block;border-radius:.3rem;padding:0 .35rem;margin:.1rem .2rem .1rem 0;font-size:.85rem}
.copy{background:#fde2e2;color:#8a1313}
.review{background:#fff1cc;color:#6b4b00}
.score{font-size:2rem;font-weight:bold}
figure{margin:1rem 0;overflow-x:auto}
figure svg{border:1px solid #e3e3e3;background:#fff;max-width:100%;height:auto}
figcaption{font-size:.9rem;color:#444}
pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.8rem;background:#f7f7f7;padding:.5rem;overflow-x:auto;margin:.2rem 0 .8rem}
.frame:target{outline:3px solid #e0a800}
.frame h3{font-size:.9rem;margin:.6rem 0 0}
a{color:#1a4a8a}
@media (max-width:600px){body{padding:.5rem}th,td{padding:.25rem .3rem}.hide-narrow{display:none}.score{font-size:1.5rem}
#checks thead{display:none}#checks tr{display:block;border-bottom:1px solid #ccc;padding:.3rem 0}#checks td{display:block;border:0;text-align:left;padding:.1rem .3rem}}
@media print{h2,h3{break-after:avoid}tr{break-inside:avoid}th button{color:inherit}th button::after{content:""!important}a[href^="#"]{text-decoration:none;color:inherit}
a[href$=".html"]::after{content:" (" attr(href) ")";font-size:.8em}details{display:block}details>summary{display:none}
.scroll{overflow:visible}figure{break-inside:avoid;overflow:visible}figure svg{max-width:100%;height:auto}body{max-width:none}}
`

// csp lets a page use its own inline style and script and nothing else:
// no request leaves the browser, whatever a page were made to contain.
const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:`

var indexTmpl = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="` + csp + `">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Grades: {{.Lab}}{{if .Title}}: {{.Title}}{{end}}</title>
<style>` + style + `</style>
</head>
<body>
<header>
<h1>Grades: lab {{.Lab}}{{if .Title}}: {{.Title}}{{end}}</h1>
<p class="muted">{{.Students}} students, {{.Max}} points; mean {{.Mean}}, median {{.Median}}; {{.Copies}} flagged as possible copies, {{.Reviews}} to review by hand.</p>
</header>
<main>
<section>
<h2 id="hist-h">Scores</h2>
<figure>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.HistW}}" height="{{.HistH}}" viewBox="0 0 {{.HistW}} {{.HistH}}" role="img" aria-labelledby="hist-title hist-desc">
<title id="hist-title">Score histogram</title>
<desc id="hist-desc">{{.HistDesc}}</desc>
<rect width="100%" height="100%" fill="#fff"/>
<line x1="24" y1="{{.HistAxisY}}" x2="{{.HistW}}" y2="{{.HistAxisY}}" stroke="#999"/>
{{range .Hist}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="#5b7db1"/>
<text x="{{.X}}" dx="18" y="{{.TY}}" text-anchor="middle" font-size="12" font-family="sans-serif">{{.Count}}</text>
<text x="{{.X}}" dx="18" y="{{$.HistAxisY}}" dy="16" text-anchor="middle" font-size="12" font-family="sans-serif">{{.Label}}</text>
{{end}}</svg>
<figcaption>{{.HistDesc}}</figcaption>
</figure>
</section>
<section>
<h2>Class</h2>
<p class="muted">Click a column header to sort; click again to reverse.</p>
<div class="scroll">
<table id="class" data-sorted="">
<thead><tr>
<th aria-sort="ascending"><button type="button" data-key="student">Student</button></th>
<th class="num" aria-sort="none"><button type="button" data-key="score">Score</button></th>
<th class="num" aria-sort="none"><button type="button" data-key="failed">Failed checks</button></th>
<th aria-sort="none"><button type="button" data-key="flags">Flags</button></th>
<th class="hide-narrow">Capture</th>
</tr></thead>
<tbody>
{{range .Rows}}<tr data-student="{{.Student}}" data-score="{{.ScoreValue}}" data-failed="{{.Failed}}" data-flags="{{.Flags}}">
<td><a href="{{.Page}}">{{.Student}}</a></td>
<td class="num">{{.Score}}/{{.Max}}</td>
<td class="num">{{.Failed}}</td>
<td>{{range .Copies}}<span class="flag copy" title="{{.Evidence}}">copy? <a href="{{.Page}}">{{.Student}}</a></span>{{end}}{{range .Review}}<span class="flag review" title="{{.}}">review</span>{{end}}</td>
<td class="hide-narrow">{{.File}}</td>
</tr>
{{end}}</tbody>
</table>
</div>
</section>
</main>
<script>
(function () {
  var table = document.getElementById("class"), body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function sort(key, desc) {
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.dataset[key], y = b.dataset[key], d = parseFloat(x) - parseFloat(y);
      if (isNaN(d) || d === 0) d = x < y ? -1 : x > y ? 1 : 0;
      return desc ? -d : d;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    heads.forEach(function (th) {
      var b = th.querySelector("button");
      if (b) th.setAttribute("aria-sort", b.dataset.key === key ? (desc ? "descending" : "ascending") : "none");
    });
    table.dataset.sorted = key + (desc ? "-desc" : "");
  }
  heads.forEach(function (th) {
    var b = th.querySelector("button");
    if (b) b.addEventListener("click", function () { sort(b.dataset.key, th.getAttribute("aria-sort") === "ascending"); });
  });
  var m = /^#sort=(student|score|failed|flags)(-desc)?$/.exec(location.hash);
  sort(m ? m[1] : "student", !!(m && m[2]));
})();
</script>
</body>
</html>
`))

var studentTmpl = template.Must(template.New("student").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Student}}: {{.Score}}/{{.Max}}, lab {{.Lab}}</title>
<style>` + style + `</style>
</head>
<body>
<nav><a href="index.html">&larr; class</a></nav>
<header>
<h1>{{.Student}}</h1>
<p><span class="score" id="score">{{.Score}}/{{.Max}}</span> <span class="muted">lab {{.Lab}}{{if .Title}}: {{.Title}}{{end}}; {{.PassedText}}</span></p>
<p class="muted">{{if .ProgramOutput}}Graded: {{.Graded}}{{else}}Capture: {{.File}}{{end}}{{if .Frames}} ({{.Frames}} frames){{end}}</p>
{{if .Error}}<p class="fail">The capture could not be read: {{.Error}}</p>{{end}}
{{range .Copies}}<p><span class="flag copy">copy?</span> The capture looks like <a href="{{.Page}}">{{.Student}}</a>'s: {{.Evidence}}</p>{{end}}
{{range .Review}}<p><span class="flag review">review</span> {{.}}</p>{{end}}
{{range .Notes}}<p class="muted">Note: {{.}}</p>{{end}}
</header>
<main>
<section>
<h2>Checks</h2>
<div class="scroll">
<table id="checks">
<thead><tr><th>Check</th><th class="num">Points</th><th>Result</th><th>Why it failed, and what to do</th></tr></thead>
<tbody>
{{range .Checks}}<tr id="check-{{.ID}}">
<td><strong>{{.ID}}</strong><br><span class="muted">{{.Name}}</span></td>
<td class="num">{{.Points}}/{{.Max}}</td>
<td>{{if .Passed}}<span class="pass">passed</span>{{else}}<span class="fail">failed</span>{{end}}</td>
<td class="reason">{{range .Reason}}{{if .Frame}}<a href="#f{{.Frame}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}{{if .Feedback}}<br><em>{{.Feedback}}</em>{{end}}</td>
</tr>
{{end}}</tbody>
</table>
</div>
</section>
{{if .HasPictures}}<section>
<h2>Ladder</h2>
<figure>
{{.Ladder}}
<figcaption>Every frame of the lab's conversation as an arrow from sender to receiver, with its frame number and time; red arrows are problems.</figcaption>
</figure>
<details><summary>The ladder as text</summary><pre>{{.LadderText}}</pre></details>
<h2>Timeline</h2>
<figure>
{{.Timeline}}
<figcaption>One bar per connection or exchange, from its first to its last frame; the circle is the request, the diamond the echo.</figcaption>
</figure>
<details><summary>The timeline as text</summary><pre>{{.TimeText}}</pre></details>
</section>{{end}}
{{if .ReadError}}<p class="fail">Reading the capture for the pictures stopped: {{.ReadError}}</p>{{end}}
{{if .Listing}}<section>
<h2>Frames</h2>
<p class="muted">Each frame as turtle read prints it.{{if .ListingNote}} {{.ListingNote}}{{end}}</p>
{{range .Listing}}<div class="frame" id="f{{.Number}}"><h3>{{.Head}}</h3><pre>{{.Text}}</pre></div>
{{end}}</section>{{end}}
</main>
</body>
</html>
`))
