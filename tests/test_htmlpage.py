import datetime as dt
import html

from bs4 import BeautifulSoup

from indexer.ingest.htmlpage import linearise, parse_html_page
from indexer.ingest.sources import bundled_corpus
from indexer.ingest.textpage import Line, ParsedPage, parse_text_page
from indexer.model import Link, NewsItem

D = dt.date

# A CMS-like page: site header and navigation, a search form, <article>
# containers with <h3> headings, figcaption credits, an aside and a pager.
CMS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><title>News</title><style>h3 { color: blue; }</style>
<script>var teaser = "10 December 2019: not news";</script></head>
<body>
<header class="site-header"><a href="/">UNODC Brussels</a>
  <nav><ul><li><a href="/news">News</a></li><li><a href="/about">About</a></li></ul></nav>
</header>
<form action="/search" role="search"><input name="q"><button>Search</button></form>
<main>
<h1>EU–UNODC news</h1>
<p>Please see below a selection of news items.</p>
<article class="news-item">
  <header>
    <h3><a href="items/shift.html">10 December 2019: UNODC calls for shift in paradigm: From victims to agents</a></h3>
  </header>
  <figure><img src="a.jpg" alt=""><figcaption>Image &copy; UNODC</figcaption></figure>
  <p>Originally published by <a href="https://www.unodc.org/unodc/en/x.html">UNODC Vienna</a>.</p>
  <p>On the occasion of the&nbsp;<em>16 Days of Activism</em>, the
     <a href="/glo-act">GLO.ACT</a> organized an event on the 14 th&nbsp;floor.</p>
  <p>12 May 2019 was the start of the project.</p>
  <p>Further information: <a href="javascript:void(0)"><img src="share.png" alt="share"></a></p>
</article>
<article class="news-item">
  <header><h3>22 - 24 October 2019: Law enforcement officials meet</h3></header>
  <p><span class="photo-credit">Photo credit UNODC Brussels</span>Investigators met in Antwerp.</p>
  <ul>
    <li>First point</li>
    <li>Second point</li>
  </ul>
</article>
<aside><h3>30 September 2019: Related news</h3><p>Not an item of this page.</p></aside>
<div class="pager"><a href="?page=2">Next page</a></div>
</main>
<footer><p>&copy; 2019 United Nations</p><p>10 December 2019: footer link</p></footer>
</body>
</html>
"""


def test_cms_page():
    page = parse_html_page(CMS_PAGE, page="https://www.unodc.org/brussels/news.html")
    assert page == ParsedPage(
        items=[
            NewsItem(
                date_start=D(2019, 12, 10),
                date_end=D(2019, 12, 10),
                date_raw="10 December 2019",
                title="UNODC calls for shift in paradigm: From victims to agents",
                body=(
                    "On the occasion of the 16 Days of Activism, the GLO.ACT organized an event on the 14th floor.\n\n"
                    "12 May 2019 was the start of the project."
                ),
                page="https://www.unodc.org/brussels/news.html",
                line=15,
                source="UNODC Vienna",
                image_credit="UNODC",
                links=(
                    Link(
                        "10 December 2019: UNODC calls for shift in paradigm: From victims to agents",
                        "https://www.unodc.org/brussels/items/shift.html",
                    ),
                    Link("UNODC Vienna", "https://www.unodc.org/unodc/en/x.html"),
                    Link("GLO.ACT", "https://www.unodc.org/glo-act"),
                ),
            ),
            NewsItem(
                date_start=D(2019, 10, 22),
                date_end=D(2019, 10, 24),
                date_raw="22 - 24 October 2019",
                title="Law enforcement officials meet",
                body="Investigators met in Antwerp.\n\nFirst point\nSecond point",
                page="https://www.unodc.org/brussels/news.html",
                line=25,
                image_credit="UNODC Brussels",
            ),
        ],
        warnings=[
            "https://www.unodc.org/brussels/news.html:21: starts with a date but was not taken as a heading: "
            "'12 May 2019 was the start of the project.'"
        ],
    )


# A flat legacy page: navigation in a table, headings in <p><strong>, bare <b>
# and `<b>date:</b> title`, lines separated by <br>, scripts, styles and comments.
LEGACY_PAGE = """<html><head>
<script type="text/javascript">document.write("<p><b>1 January 2019: fake</b></p>");</script>
<style>b {font-weight: bold}</style></head>
<body bgcolor="#ffffff">
<table><tr><td><a href="index.htm">Home</a> | <a href="news.htm">News</a></td></tr></table>
<p>Welcome to the news page of the UNODC Liaison Office in Brussels.</p>
<p><strong>24-25.06.2019: UNODC-EU discussions on security threats in&nbsp;Southeast Asia</strong></p>
<p>Mr Julien Garsany concluded his mission to Brussels.<br>
He held discussions with the EU.<br>
<br>
UNODC will launch the TOCTA on 19 July.</p>
<p>23.06.2019: this paragraph starts with a date but is not bold.</p>
<b>1 8.03.2019: Unity in Diversity: Iraqi Officials Study Visit</b><br>
Image &copy; UNODCDiversity, inclusion and tolerance are core values.<br><br>
&bull; Further information on <a href="http://www.unodc.org/mena">UNODC MENA</a> here.<br>
<!-- 11.03.2019: an item taken off the page -->
<p><b>0 7 February 2019:</b> UNODC presents the National Drug Use Survey</p>
<p>Ms Angela Me visited Brussels.</p>
</body></html>
"""


def test_legacy_page():
    page = parse_html_page(LEGACY_PAGE, page="news.htm")
    assert page == ParsedPage(
        items=[
            NewsItem(
                date_start=D(2019, 6, 24),
                date_end=D(2019, 6, 25),
                date_raw="24-25.06.2019",
                title="UNODC-EU discussions on security threats in Southeast Asia",
                body=(
                    "Mr Julien Garsany concluded his mission to Brussels.\n"
                    "He held discussions with the EU.\n\n"
                    "UNODC will launch the TOCTA on 19 July.\n\n"
                    "23.06.2019: this paragraph starts with a date but is not bold."
                ),
                page="news.htm",
                line=7,
            ),
            NewsItem(
                date_start=D(2019, 3, 18),
                date_end=D(2019, 3, 18),
                date_raw="1 8.03.2019",
                title="Unity in Diversity: Iraqi Officials Study Visit",
                body="Diversity, inclusion and tolerance are core values.\n\nFurther information on UNODC MENA here.",
                page="news.htm",
                line=13,
                image_credit="UNODC",
                links=(Link("UNODC MENA", "http://www.unodc.org/mena"),),
            ),
            NewsItem(
                date_start=D(2019, 2, 7),
                date_end=D(2019, 2, 7),
                date_raw="0 7 February 2019",
                title="UNODC presents the National Drug Use Survey",
                body="Ms Angela Me visited Brussels.",
                page="news.htm",
                line=17,
            ),
        ],
        warnings=[
            "news.htm:12: starts with a date but was not taken as a heading: "
            "'23.06.2019: this paragraph starts with a date but is not bold.'"
        ],
    )


# The newer layout: the date alone, the title as a link in a heading, a
# summary ending in a "more" link; rows in `views-row` containers.
NEWER_PAGE = """<!doctype html>
<html><body>
<base href="https://www.unodc.org/brussels/">
<div class="view-content">
  <div class="views-row">
    <p class="date"><time datetime="2020-03-12">12 March 2020</time></p>
    <h4><a href="news/launch.html">UNODC and the EU launch a programme</a></h4>
    <p>A short summary of the launch … <a href="news/launch.html">more</a></p>
  </div>
  <div class="views-row">
    <p class="date">September 2019</p>
    <h4>Monthly round-up</h4>
  </div>
</div>
<div class="pager"><a href="?page=1">Older news</a></div>
</body></html>
"""


def test_newer_layout_page():
    page = parse_html_page(NEWER_PAGE, page="latest.html")
    assert page == ParsedPage(
        items=[
            NewsItem(
                date_start=D(2020, 3, 12),
                date_end=D(2020, 3, 12),
                date_raw="12 March 2020",
                title="UNODC and the EU launch a programme",
                body="A short summary of the launch …",
                page="latest.html",
                line=6,
                links=(
                    Link("UNODC and the EU launch a programme", "https://www.unodc.org/brussels/news/launch.html"),
                    Link("more", "https://www.unodc.org/brussels/news/launch.html"),
                ),
            ),
            NewsItem(
                date_start=D(2019, 9, 1),
                date_end=D(2019, 9, 30),
                date_raw="September 2019",
                date_precision="month",
                title="Monthly round-up",
                body="",
                page="latest.html",
                line=11,
            ),
        ],
        warnings=["latest.html:11: item 'Monthly round-up' has no body text"],
    )


def test_linearise_keeps_emphasis_credits_containers_and_links():
    soup = BeautifulSoup(
        '<div class="news-item">\n<h2>Title <a href="/a">link</a></h2>\n'
        "<p><b>Bold</b> start<br>second line</p>\n"
        "<figure><figcaption>Image © UNODC</figcaption></figure></div>\n"
        '<p>After <a href="javascript:go()">js</a> <a href="#top">top</a> <a href="b.html">b</a></p>',
        "html.parser",
    )
    assert linearise(soup, base_url="https://example.org/news/") == [
        Line("Title link", 2, True, container=1, links=(Link("link", "https://example.org/a"),)),
        Line("", 2, container=1),
        Line("Bold start", 3, True, container=1),
        Line("second line", 3, False, container=1),
        Line("", 3, container=1),
        Line("Image © UNODC", 4, False, credit=True, container=1),
        Line("", 4, container=1),
        Line("After js top b", 5, False, links=(Link("b", "https://example.org/news/b.html"),)),
        Line("", 5),
    ]


def render_as_html(text: str, heading_lines: set[int]) -> str:
    """The text page as a website would serve it, one source line per HTML line,
    so that line numbers agree: headings in <h3>, paragraphs in <p> with <br>."""
    lines = text.split("\n")
    out = []
    for number, line in enumerate(lines, start=1):
        escaped = html.escape(line).replace("\u00a0", "&nbsp;")
        previous = lines[number - 2] if number > 1 else ""
        following = lines[number] if number < len(lines) else ""
        if number in heading_lines:
            out.append(f"<h3>{escaped}</h3>")
        elif not line.strip():
            out.append("")
        else:
            opens = "<p>" if not previous.strip() or number - 1 in heading_lines else "<br>"
            closes = "</p>" if not following.strip() or number + 1 in heading_lines else ""
            out.append(f"{opens}{escaped}{closes}")
    out[0] = '<!DOCTYPE html><html><body><nav><a href="/">Home</a></nav>' + out[0]
    out[-1] += "<footer>&copy; 2019 United Nations</footer></body></html>"
    return "\n".join(out)


def test_corpus_as_html_gives_the_same_items_as_the_text():
    text = bundled_corpus().read_text(encoding="utf-8")
    from_text = parse_text_page(text, page="corpus").items
    from_html = parse_html_page(render_as_html(text, {item.line for item in from_text}), page="corpus").items
    assert len(from_html) == 37
    assert from_html == from_text
