import datetime as dt
import json
from pathlib import Path

import pytest

from indexer.ingest.sources import bundled_corpus
from indexer.ingest.textpage import ParsedPage, parse_text_page
from indexer.model import NewsItem, ParseError

D = dt.date
LABELLED = Path(__file__).with_name("data") / "labelled_items.json"


def parse(text: str) -> ParsedPage:
    return parse_text_page(text, page="news.txt")


def test_inline_headings_with_colon_or_dash_and_titles_with_colons():
    page = parse(
        "Please see below a selection of news items.\n"
        "\n"
        "10 December 2019:\u00a0UNODC calls for shift in paradigm: From victims to agents of change\n"
        "\n"
        "Originally published by\u00a0 UNODC Vienna.\n"
        "\n"
        "Image \u00a9 UNODCOn the occasion of the campaign, an event was held.\n"
        "\n"
        "2019 saw a record number of victims.\n"
        "15 years of work were celebrated.\n"
        "12 million euros were pledged.\n"
        "\n"
        "Further Information:\n"
        "\n"
        "\n"
        "8-9 October 2019 - Container Control Programme: 15 years\n"
        "The programme celebrated.\n"
    )
    assert page == ParsedPage(
        items=[
            NewsItem(
                date_start=D(2019, 12, 10),
                date_end=D(2019, 12, 10),
                date_raw="10 December 2019",
                title="UNODC calls for shift in paradigm: From victims to agents of change",
                body=(
                    "On the occasion of the campaign, an event was held.\n\n"
                    "2019 saw a record number of victims.\n"
                    "15 years of work were celebrated.\n"
                    "12 million euros were pledged."
                ),
                page="news.txt",
                line=3,
                source="UNODC Vienna",
                image_credit="UNODC",
            ),
            NewsItem(
                date_start=D(2019, 10, 8),
                date_end=D(2019, 10, 9),
                date_raw="8-9 October 2019",
                title="Container Control Programme: 15 years",
                body="The programme celebrated.",
                page="news.txt",
                line=16,
            ),
        ],
        warnings=[],
    )


@pytest.mark.parametrize(
    "heading, date_raw, start, end, title",
    [
        ("10 December 2019: Title", "10 December 2019", D(2019, 12, 10), D(2019, 12, 10), "Title"),
        ("22 - 24 October 2019:\u00a0Title", "22 - 24 October 2019", D(2019, 10, 22), D(2019, 10, 24), "Title"),
        (
            "22 - 24 October 2019 - Title - part two",
            "22 - 24 October 2019",
            D(2019, 10, 22),
            D(2019, 10, 24),
            "Title - part two",
        ),
        ("24-25.06.2019: Title", "24-25.06.2019", D(2019, 6, 24), D(2019, 6, 25), "Title"),
        ("11.06.2019:\u00a0 Title\u00a0", "11.06.2019", D(2019, 6, 11), D(2019, 6, 11), "Title"),
        (
            "1 8.03.2019: Unity in Diversity: Study Visit",
            "1 8.03.2019",
            D(2019, 3, 18),
            D(2019, 3, 18),
            "Unity in Diversity: Study Visit",
        ),
        ("0 7 February 2019:\u00a0Title", "0 7 February 2019", D(2019, 2, 7), D(2019, 2, 7), "Title"),
        (
            "30 September - 2 October 2019 – Title",
            "30 September - 2 October 2019",
            D(2019, 9, 30),
            D(2019, 10, 2),
            "Title",
        ),
        ("30.12.2019-02.01.2020: Title", "30.12.2019-02.01.2020", D(2019, 12, 30), D(2020, 1, 2), "Title"),
        ("3 Oct. 2019 — Title", "3 Oct. 2019", D(2019, 10, 3), D(2019, 10, 3), "Title"),
        (
            "12 November 2019: 14 th\u00a0EU-UNODC Senior Officials Meeting",
            "12 November 2019",
            D(2019, 11, 12),
            D(2019, 11, 12),
            "14th EU-UNODC Senior Officials Meeting",
        ),
    ],
)
def test_heading_forms(heading, date_raw, start, end, title):
    [item] = parse(f"{heading}\n\nBody.\n").items
    assert (item.date_raw, item.date_start, item.date_end, item.title) == (date_raw, start, end, title)


def test_month_heading_has_month_precision():
    [item] = parse("September 2019: Monthly round-up\n\nBody.\n").items
    assert (item.date_start, item.date_end, item.date_precision) == (D(2019, 9, 1), D(2019, 9, 30), "month")


def test_newer_layout_date_alone_then_title_then_summary():
    page = parse(
        "Latest news\n"
        "\n"
        "12 March 2020\n"
        "\n"
        "UNODC and the EU launch a new programme\n"
        "A short summary of the launch … more\n"
        "\n"
        "September 2019\n"
        "Monthly round-up: drugs\n"
        "Ministers met... Read more\n"
    )
    assert page == ParsedPage(
        items=[
            NewsItem(
                date_start=D(2020, 3, 12),
                date_end=D(2020, 3, 12),
                date_raw="12 March 2020",
                title="UNODC and the EU launch a new programme",
                body="A short summary of the launch …",
                page="news.txt",
                line=3,
            ),
            NewsItem(
                date_start=D(2019, 9, 1),
                date_end=D(2019, 9, 30),
                date_raw="September 2019",
                date_precision="month",
                title="Monthly round-up: drugs",
                body="Ministers met...",
                page="news.txt",
                line=8,
            ),
        ],
        warnings=[],
    )


def test_body_lines_that_only_start_like_a_heading_stay_in_the_body():
    page = parse(
        "10 December 2019: Title\n"
        "\n"
        "12 May 2019 was the day the project started.\n"
        "2019: a good year\n"
        "15.5 tons were seized.\n"
        "10 December\n"
        "Human Rights Day was marked.\n"
    )
    assert [item.body for item in page.items] == [
        "12 May 2019 was the day the project started.\n"
        "2019: a good year\n"
        "15.5 tons were seized.\n"
        "10 December\n"
        "Human Rights Day was marked."
    ]
    assert page.warnings == [
        "news.txt:3: starts with a date but was not taken as a heading: '12 May 2019 was the day the project started.'"
    ]


def test_warnings_for_empty_bodies_and_duplicates():
    page = parse("10 December 2019: Same title\n\nBody.\n\n10 December 2019: Same  title\n\n9 December 2019: Empty\n")
    assert [(item.title, item.line) for item in page.items] == [
        ("Same title", 1),
        ("Same title", 5),
        ("Empty", 7),
    ]
    assert page.warnings == [
        "news.txt:5: item 'Same title' has no body text",
        "news.txt:5: same item as line 1 ('Same title')",
        "news.txt:7: item 'Empty' has no body text",
    ]


@pytest.mark.parametrize(
    "heading, message",
    [
        (
            "31.02.2019: Meeting",
            "news.txt:3: cannot read the heading date: '31.02.2019' is not a real date (day is out of range for month)",
        ),
        (
            "24-22 October 2019: Meeting",
            "news.txt:3: cannot read the heading date: '24-22 October 2019' ends before it starts",
        ),
        (
            "31 April 2019",  # newer layout: the date line is the heading
            "news.txt:3: cannot read the heading date: '31 April 2019' is not a real date (day is out of range for month)",
        ),
    ],
)
def test_unreadable_heading_date_is_an_error_naming_page_and_line(heading, message):
    with pytest.raises(ParseError) as raised:
        parse(f"10 December 2019: Fine\n\n{heading}\nMeeting\n\nBody.\n")
    assert (str(raised.value), raised.value.page, raised.value.line) == (message, "news.txt", 3)


def test_no_headings_no_items():
    assert parse("Just an introduction.\n\n2019 saw changes.\n") == ParsedPage([], [])


def test_identity_is_stable_and_ignores_spacing_and_page():
    first = parse("12 November 2019: 14 th\u00a0EU-UNODC  Meeting\n\nBody.\n").items[0]
    second = parse_text_page("Intro.\n\n12 November 2019 - 14th EU-UNODC Meeting\nBody.\n", page="archive.txt").items[0]
    assert first.id == second.id == "2019-11-12-14th-eu-unodc-meeting-e660ac"
    assert first.content_hash == second.content_hash
    changed = parse("12 November 2019: 14th EU-UNODC Meeting\n\nOther body.\n").items[0]
    assert (changed.id, changed.content_hash == first.content_hash) == (first.id, False)


def _corpus_items() -> list[NewsItem]:
    return parse_text_page(bundled_corpus().read_text(encoding="utf-8"), page="corpus").items


def test_corpus_has_37_items_and_no_warnings():
    page = parse_text_page(bundled_corpus().read_text(encoding="utf-8"), page="corpus")
    assert (len(page.items), page.warnings) == (37, [])
    assert len({item.id for item in page.items}) == 37
    assert all(item.body for item in page.items)


def test_corpus_agrees_with_the_labelled_items():
    """NewsItem.title is the labelled `title_normalized`: plain spaces, as on screen."""
    by_line = {item.line: item for item in _corpus_items()}
    labelled = json.loads(LABELLED.read_text(encoding="utf-8"))
    assert len(labelled) == 10
    for label in labelled:
        item = by_line[label["line"]]
        assert {
            "date_raw": item.date_raw,
            "date_start": item.date_start.isoformat(),
            "date_end": item.date_end.isoformat(),
            "title": item.title,
            "image_credit": item.image_credit,
            "source": item.source,
        } == {
            "date_raw": label["date_raw"],
            "date_start": label["date_start"],
            "date_end": label["date_end"],
            "title": label["title_normalized"],
            "image_credit": label["image_credit"],
            "source": label["source"],
        }, f"line {label['line']}"


# Every item of the bundled corpus, read by hand against the page:
# (heading line, date_raw, date_start, date_end, title, image_credit, source).
CORPUS = [
    (
        4,
        "10 December 2019",
        D(2019, 12, 10),
        D(2019, 12, 10),
        "UNODC calls for shift in paradigm: From women as victims, to women as powerful agents of change",
        "UNODC",
        "UNODC Vienna",
    ),
    (32, "21 November 2019", D(2019, 11, 21), D(2019, 11, 21), "UNODC Briefing on Environmental Crime", None, None),
    (
        43,
        "19 November 2019",
        D(2019, 11, 19),
        D(2019, 11, 19),
        "UNODC co-organizes Security Council Open Arria Formula meeting on Challenges to Radicalization in Prisons",
        "UNODC",
        None,
    ),
    (
        62,
        "12 November 2019",
        D(2019, 11, 12),
        D(2019, 11, 12),
        "14th EU-UNODC Senior Officials Meeting in Vienna",
        "UNODC",
        None,
    ),
    (
        80,
        "22 - 24 October 2019",
        D(2019, 10, 22),
        D(2019, 10, 24),
        "Law enforcement officials and prosecutors from Bolivia and Belgium meet for the second CRIMJUST Investigative Drug Case Forum",
        "UNODC",
        "UNODC Vienna",
    ),
    (
        105,
        "22 October 2019",
        D(2019, 10, 22),
        D(2019, 10, 22),
        "UNODC Roadmap on the Treatment of Children Associated with Terrorist and Violent Extremist Groups highlighted at the COTER Meeting, European Council",
        None,
        None,
    ),
    (
        128,
        "22 October 2019",
        D(2019, 10, 22),
        D(2019, 10, 22),
        "Tunisia joins global UNODC programme to prevent violent extremism in prisons",
        None,
        None,
    ),
    (
        139,
        "18 October 2019",
        D(2019, 10, 18),
        D(2019, 10, 18),
        "On occasion of the EU Anti Trafficking Day, UNODC and the EU strengthen Cooperation to Dismantle Migrant Smuggling and Human Trafficking Criminal Networks",
        "UNODC",
        None,
    ),
    (
        161,
        "8-9 October 2019",
        D(2019, 10, 8),
        D(2019, 10, 9),
        "UNODC-WCO Container Control Programme celebrates 15 years of making global trade safer from crime",
        "UNODC",
        None,
    ),
    (
        196,
        "26-27 September 2019",
        D(2019, 9, 26),
        D(2019, 9, 27),
        "Discussions on Trafficking in Persons and Smuggling of Migrants",
        None,
        "GLO.ACT",
    ),
    (
        215,
        "11-12 September 2019",
        D(2019, 9, 11),
        D(2019, 9, 12),
        'EU - ICCWC discussions on EU-funded programme "law enforcement and combating wildlife and forest crime"',
        "UNODC",
        None,
    ),
    (
        222,
        "10 September 2019",
        D(2019, 9, 10),
        D(2019, 9, 10),
        "UNODC briefed the Horizontal Working Party on Drugs on the findings of the World Drug Report 2019",
        "UNODC",
        None,
    ),
    (
        235,
        "10 September 2019",
        D(2019, 9, 10),
        D(2019, 9, 10),
        "Uganda, UN and EU launch joint initiative to counter violent extremism in prisons",
        None,
        None,
    ),
    (
        258,
        "30 July 2019",
        D(2019, 7, 30),
        D(2019, 7, 30),
        "World day against Human Trafficking in Belgium",
        "UNRIC",
        None,
    ),
    (
        276,
        "24 July 2019",
        D(2019, 7, 24),
        D(2019, 7, 24),
        'Minister Reynders and the "Red Panthers" support the Blue Heart Campaign',
        "UNRIC",
        None,
    ),
    (289, "8 July 2019", D(2019, 7, 8), D(2019, 7, 8), "Corruption in sport", "UNODC", None),
    (
        300,
        "27-28 June 2019",
        D(2019, 6, 27),
        D(2019, 6, 28),
        "UN-EU partnership seminar at the United Nations Office in Vienna",
        "UNODC",
        None,
    ),
    (
        309,
        "24-25.06.2019",
        D(2019, 6, 24),
        D(2019, 6, 25),
        "UNODC-EU discussions on security threats in Southeast Asia and the Pacific",
        None,
        None,
    ),
    (
        316,
        "18-19.06.2019",
        D(2019, 6, 18),
        D(2019, 6, 19),
        "European Development Days 2019 : Tackling global inequalities with no one left behind",
        "UNODC",
        None,
    ),
    (
        327,
        "11.06.2019",
        D(2019, 6, 11),
        D(2019, 6, 11),
        "UNODC at the EU Council Horizontal Working Party on Drugs (HDG)",
        "UNODC",
        None,
    ),
    (
        341,
        "27.05.2019",
        D(2019, 5, 27),
        D(2019, 5, 27),
        "Launch of Pakistan's Action to Counter Terrorism (PACT) Project Success Stories in Brussels",
        "UNODC",
        None,
    ),
    (360, "15-16.04.2019", D(2019, 4, 15), D(2019, 4, 16), "UNODC participation at the EU Cyber Forum", None, None),
    (
        377,
        "11.04.2019",
        D(2019, 4, 11),
        D(2019, 4, 11),
        "ICAT Policy Exchange with the EU Anti-Trafficking Coordinator",
        "UNODC",
        None,
    ),
    (
        392,
        "05.04.2019",
        D(2019, 4, 5),
        D(2019, 4, 5),
        "Belgium announces EUR 2 million contribution to United Nations Trust Fund for Victims of Human Trafficking, managed by UNODC",
        "UNODC",
        "UNODC Vienna",
    ),
    (
        416,
        "04-05.04.2019",
        D(2019, 4, 4),
        D(2019, 4, 5),
        "Discussions on prevention, treatment and care of blood borne diseases among people who use drugs and people in prison settings",
        None,
        None,
    ),
    (
        433,
        "04-05.04.2019",
        D(2019, 4, 4),
        D(2019, 4, 5),
        "Discussions on UNODC strategic partnership and Security Sector Reform in Eastern Europe (Belarus, Moldova and Ukraine)",
        None,
        None,
    ),
    (
        444,
        "28.03.2019",
        D(2019, 3, 28),
        D(2019, 3, 28),
        "UNODC presented the CCP at the Council's Customs Cooperation Working Party",
        "UNODC",
        None,
    ),
    (
        459,
        "26.03.2019",
        D(2019, 3, 26),
        D(2019, 3, 26),
        "Kazakhstan, the United Nations and the European Union Jointly Addressing Violent Extremism in Prisons",
        None,
        None,
    ),
    (
        484,
        "1 8.03.2019",
        D(2019, 3, 18),
        D(2019, 3, 18),
        "Unity in Diversity: Iraqi Officials Study Visit organized by UNODC and the city hall of Mechelen",
        "UNODC",
        None,
    ),
    (
        510,
        "11.03.2019",
        D(2019, 3, 11),
        D(2019, 3, 11),
        "UNODC Container Control Programme wins prestigious industry award",
        "UNODC",
        None,
    ),
    (
        523,
        "22.02.2019",
        D(2019, 2, 22),
        D(2019, 2, 22),
        "UNODC joined a debate on how the EU and national anti-migrant policies affect humanitarian assistance to asylum seekers and migrants",
        None,
        None,
    ),
    (
        530,
        "20.02.2019",
        D(2019, 2, 20),
        D(2019, 2, 20),
        "UNODC supporting efforts to safeguard sport from corruption and crime",
        None,
        None,
    ),
    (
        547,
        "12 February 2019",
        D(2019, 2, 12),
        D(2019, 2, 12),
        "EU and UNODC discussions against trafficking in persons and the smuggling of migrants",
        "UNODC",
        None,
    ),
    (
        562,
        "12 February 2019",
        D(2019, 2, 12),
        D(2019, 2, 12),
        "Belgium and UNODC sign two-million-euro funding agreement to strengthen fight against corruption and wildlife crime in Africa",
        "Belgian MoFA",
        "UNODC Vienna",
    ),
    (
        589,
        "12 February 2019",
        D(2019, 2, 12),
        D(2019, 2, 12),
        "UNODC participates in the consultations on the EU Enlargement Package",
        None,
        None,
    ),
    (
        598,
        "0 7 February 2019",
        D(2019, 2, 7),
        D(2019, 2, 7),
        "UNODC presents the first comprehensive National Drug Use Survey conducted in Nigeria to the EC",
        "UNODC",
        None,
    ),
    (
        612,
        "31 January 2019",
        D(2019, 1, 31),
        D(2019, 1, 31),
        "Belgium and UNODC discuss the Container Control Program",
        "UNODC",
        None,
    ),
]


def test_every_corpus_item():
    items = sorted(_corpus_items(), key=lambda item: item.line)
    assert [
        (item.line, item.date_raw, item.date_start, item.date_end, item.title, item.image_credit, item.source)
        for item in items
    ] == CORPUS


def test_corpus_bodies_are_clean():
    for item in _corpus_items():
        assert [
            text
            for text in ("\u00a0", "\u202f", "  ", "Image ©", "Originally published", " th ", "\n\n\n", "•")
            if text in item.body
        ] == [], f"line {item.line}"
        assert not item.body.endswith(("Further information:", "Further Information:")), f"line {item.line}"
        assert item.paragraphs == item.body.split("\n\n"), f"line {item.line}"


def test_corpus_item_as_a_whole_value():
    [item] = [item for item in _corpus_items() if item.line == 215]
    assert item == NewsItem(
        date_start=D(2019, 9, 11),
        date_end=D(2019, 9, 12),
        date_raw="11-12 September 2019",
        title='EU - ICCWC discussions on EU-funded programme "law enforcement and combating wildlife and forest crime"',
        body=(
            'On 12 September a Steering Committee meeting of the EU-funded programme "Law enforcement and '
            'combating wildlife and forest crime" was held in Brussels. The EU, represented by Directorate '
            "Generals DEVCO and Environment, and the members of the International Consortium on Combating "
            "Wildlife Crime (ICCWC) - CITES, UNODC, INTERPOL, the World Customs Organization and the World "
            "Bank- met together to discuss the programme progress, its strategic direction and impact on "
            "reducing wildlife and forest crime. In their strategic alliance, ICCWC partners have identified "
            "core priorities for targeted support that must be acted upon now to halt the magnitude of wildlife "
            "and forest crime. The EU grant focuses on law enforcement and criminal justice system capacity "
            "building and coordinated support to the countries in Africa, Asia and Latin America most impacted "
            "by the crime. This grant is a part of a larger EU Global Programme, which also supports civil "
            "society organisations, local communities and rangers. The EU Global Programme plays a central role "
            "in contributing to the implementation of 2016 EU Action Plan Against Wildlife Trafficking and SDG "
            "target 15.7 on ending poaching. The programme is a manifestation of a joint global action united "
            "under a common objective of ending wildlife and forest crime. The Steering Committee meeting was "
            "preceded by the ICCWC Senior Experts Group meeting held on September 11th.\n\n"
            "Further information on the International Consortium on Combating Wildlife Crime (ICCWC) here"
        ),
        page="corpus",
        line=215,
        image_credit="UNODC",
    )


def test_credits_and_sources_on_the_page_tell_where_an_unclear_credit_ends():
    page = parse_text_page(
        "EU-UNODC news\n\n"
        "12.03.2018 - Officials meet in Lome\n"
        "Photo credit UNODC BrusselsOn 12 March officials met in Lome.\n\n"
        "10.03.2018 - Police of Benin trained\n"
        "Photo credit UNODC Brussels Representatives of police from Benin were trained in Cotonou.\n\n"
        "08.03.2018 - Prosecutors meet\n"
        "Photo credit UNODC Vienna Heads of prosecution services of Togo met in Vienna on 8 March.\n"
        "Originally published by UNODC Vienna.\n",
        "archive.txt",
    )
    assert [(item.image_credit, item.body) for item in page.items] == [
        ("UNODC Brussels", "On 12 March officials met in Lome."),
        ("UNODC Brussels", "Representatives of police from Benin were trained in Cotonou."),
        # Only its source tells where this credit ends.
        ("UNODC Vienna", "Heads of prosecution services of Togo met in Vienna on 8 March."),
    ]
    assert page.warnings == []
    # Without the other items, the credit is left in the text, with a warning.
    alone = parse_text_page(
        "10.03.2018 - Police of Benin trained\n"
        "Photo credit UNODC Brussels Representatives of police from Benin were trained in Cotonou.\n",
        "archive.txt",
    )
    assert alone.items[0].image_credit is None and alone.items[0].body.startswith("Photo credit UNODC Brussels")
    assert alone.warnings and "cannot tell where the image credit ends" in alone.warnings[0]
