import pytest

from indexer.ingest.clean import CleanBody, body_of_clean_lines, clean_body, clean_line, split_credit, split_source
from indexer.ingest.sources import bundled_corpus


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("14 th\u00a0EU-UNODC Senior Officials Meeting", "14th EU-UNODC Senior Officials Meeting"),
        ("the 6  th session", "the 6th session"),
        ("its 62 nd session, the 1 st and the 3 rd", "its 62nd session, the 1st and the 3rd"),
        ("the\u00a0 1st\u202fEU-UNODC project", "the 1st EU-UNODC project"),
        ("a\u2009thin\u2007figure\u200bzero width", "a thin figure zero width"),
        ("  Security Sector Reform \u00a0 in Eastern Europe\u00a0 ", "Security Sector Reform in Eastern Europe"),
        ("2019 saw 15 thefts", "2019 saw 15 thefts"),  # `th` must be a whole word
        ("\u00a0 \u00a0", ""),
        # a number inside a word is no ordinal
        ("the A4 th page", "the A4 th page"),
        ("the (4 th) page, 4  th\u00a0time", "the (4th) page, 4th time"),
        # a zero-width character is a space of its own; a line break is kept
        ("a \u200b b", "a   b"),
        ("\ufeffTitle", "Title"),
        ("one\n two  \n\tthree 2 nd", "one\n two \n three 2nd"),
    ],
)
def test_clean_line(raw, expected):
    assert clean_line(raw) == expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Image © UNODCOn the occasion of the campaign", ("UNODC", "On the occasion of the campaign")),
        ("Image © UNODCUNODC together with Belgium", ("UNODC", "UNODC together with Belgium")),
        ("Image © UNODCEDD 2019 provided a unique opportunity", ("UNODC", "EDD 2019 provided a unique opportunity")),
        ("Image © UNRICOn World day against Human Trafficking", ("UNRIC", "On World day against Human Trafficking")),
        ("Image © Belgian MoFAThe agreement was signed", ("Belgian MoFA", "The agreement was signed")),
        (
            "Image © UNODCMr Ketil Ottersen, UNODC's Senior Coordinator",
            ("UNODC", "Mr Ketil Ottersen, UNODC's Senior Coordinator"),
        ),
        ("Image © Belgian MoFA", ("Belgian MoFA", "")),
        ("Image © UNRIC.", ("UNRIC", "")),
        ("Photo credit UNODC Brussels", ("UNODC Brussels", "")),
        ("Photo credit: UNODC Brussels", ("UNODC Brussels", "")),
        ("Photo: Jane Doe", ("Jane Doe", "")),
        ("Photo © Jane DoeThe delegation visited", ("Jane Doe", "The delegation visited")),
        ("© UNODC", ("UNODC", "")),
        # glued in other alphabets, to an acronym, or followed by a word no credit holds
        (
            "Photo: UNODC/Jelena PetrovićRepresentatives of police met",
            ("UNODC/Jelena Petrović", "Representatives of police met"),
        ),
        ("Photo credit UNODC BrusselsEU and Belgian officials met", ("UNODC Brussels", "EU and Belgian officials met")),
        ("Photo: UNODCCRIMJUST's second phase opened", ("UNODC", "CRIMJUST's second phase opened")),
        (
            "Photo credit UNODC Brussels The Joint Airport Interdiction Task Forces of Benin met",
            ("UNODC Brussels", "The Joint Airport Interdiction Task Forces of Benin met"),
        ),
        ("Photo: McDonald Studio", ("McDonald Studio", "")),
        # not credits, or credits whose end cannot be told: left alone
        ("Photographs of the event were shown", (None, "Photographs of the event were shown")),
        ("Imagery from satellites helps", (None, "Imagery from satellites helps")),
        (
            "Image © UNODC the delegation then visited the port",
            (None, "Image © UNODC the delegation then visited the port"),
        ),
        ("The meeting, Image © UNODC", (None, "The meeting, Image © UNODC")),
    ],
)
def test_split_credit(line, expected):
    assert split_credit(line) == expected


# Every credit in the bundled corpus: (line, credit, how the text goes on).
CORPUS_CREDITS = [
    (8, "UNODC", "On the occasion of the 20"),
    (45, "UNODC", "UNODC together with Belgi"),
    (64, "UNODC", "The United Nations Office"),
    (84, "UNODC", "Law enforcement investiga"),
    (92, "UNODC", "Additionally, the delegat"),
    (141, "UNODC", "UNODC and the EU launched"),
    (163, "UNODC", "The Container Control Pro"),
    (217, "UNODC", "On 12 September a Steerin"),
    (224, "UNODC", "The Finnish Presidency of"),
    (260, "UNRIC", "On World day against Huma"),
    (278, "UNRIC", "On 24th July 2019, the Re"),
    (291, "UNODC", "Fighting corruption in sp"),
    (302, "UNODC", "The United Nations Office"),
    (318, "UNODC", "The thirteenth edition of"),
    (322, "UNODC", "EDD 2019 provided a uniqu"),
    (329, "UNODC", "The Chief of the Secretar"),
    (343, "UNODC", "The Pakistan's Action to "),
    (379, "UNODC", "On 11 April 2019, members"),
    (396, "UNODC", "The Permanent Representat"),
    (446, "UNODC", "Mr Ketil Ottersen, UNODC'"),
    (486, "UNODC", "Diversity, inclusion, tol"),
    (512, "UNODC", "The Container Control Pro"),
    (549, "UNODC", "Mr Ilias Chatzis, Chief o"),
    (564, "Belgian MoFA", ""),
    (600, "UNODC", "Ms Angela Me, the Chief o"),
    (614, "UNODC", "The Container Control Pro"),
]


def test_every_credit_in_the_corpus():
    lines = bundled_corpus().read_text(encoding="utf-8").split("\n")
    found = []
    for number, line in enumerate(lines, start=1):
        if "©" in line:
            rest, _source = split_source(clean_line(line))
            credit, text = split_credit(rest.strip())
            found.append((number, credit, text[:25]))
    assert found == CORPUS_CREDITS


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Originally published by UNODC Vienna.", ("", "UNODC Vienna")),
        ("Originally published by  UNODC Vienna", ("", "UNODC Vienna")),
        ("Originally published by GLO.ACT.", ("", "GLO.ACT")),
        ("Originally published by UNODC Vienna here.", ("", "UNODC Vienna")),
        ("Originally published by UNODC Vienna here", ("", "UNODC Vienna")),
        ("Image © Belgian MoFA Originally published by UNODC Vienna.", ("Image © Belgian MoFA", "UNODC Vienna")),
        ("Originally published by", ("Originally published by", None)),
        ("The report was published by UNODC.", ("The report was published by UNODC.", None)),
        ("It was originally published by UNODC Vienna.", ("It was originally published by UNODC Vienna.", None)),
        # in any case, with what a case-blind regex takes for "i" and "s"
        ("ORIGINALLY PUBLISHED BY UNODC", ("", "UNODC")),
        ("ORİGİNALLY PUBLİSHED BY UNODC", ("", "UNODC")),
        ("originally publiſhed by UNODC", ("", "UNODC")),
    ],
)
def test_split_source(line, expected):
    assert split_source(line) == expected


def test_clean_body_pulls_out_credit_and_source_and_tidies_the_text():
    lines = [
        "Originally published by\u00a0 UNODC Vienna.",
        "",
        "Image \u00a9 UNODCOn the occasion of the 14 th\u00a0meeting,  the  EU\u00a0met.",
        "",
        "",
        "This project will support Morocco in:\u00a0 \u00a0",
        "",
        "  1. Improving detection;",
        "  2. Strengthening capacities.",
        "",
        "Further information:",
        "",
        "  \u2022 The\u00a0World Drug Report 2019\u00a0 here",
        "  \u2022 The Annual Report Questionnaire\u00a0 here",
        '-\u00a0 \u00a0 European Union "Cocaine Route Programme"',
        "\u2022",
        "* Transparency International",
        "",
        "Image \u00a9 UNODCEDD 2019 provided a stand.",
        "",
        "Back to top",
        "Further Information:\u00a0",
        "",
    ]
    assert clean_body(lines) == CleanBody(
        text=(
            "On the occasion of the 14th meeting, the EU met.\n\n"
            "This project will support Morocco in:\n\n"
            "1. Improving detection;\n"
            "2. Strengthening capacities.\n\n"
            "Further information:\n\n"
            "The World Drug Report 2019 here\n"
            "The Annual Report Questionnaire here\n"
            'European Union "Cocaine Route Programme"\n'
            "Transparency International\n\n"
            "EDD 2019 provided a stand."
        ),
        image_credit="UNODC",
        source="UNODC Vienna",
    )


@pytest.mark.parametrize(
    "lines, expected",
    [
        # a summary that ends in the link word of a "more" link
        (["Ministers met in Vienna to discuss … more"], "Ministers met in Vienna to discuss …"),
        (["Ministers met in Vienna to discuss... More »"], "Ministers met in Vienna to discuss..."),
        (["Ministers met in Vienna. Read more"], "Ministers met in Vienna."),
        (["They discussed drugs, crime and more."], "They discussed drugs, crime and more."),
        (["Ministers met. READ MORE ›"], "Ministers met."),
        (["Ministers met … moreover"], "Ministers met … moreover"),
        (["• A bullet", "- a dash", "-not a dash", "*"], "A bullet\na dash\n-not a dash"),
        # a stub label is dropped only when nothing follows it
        (
            ["Text.", "", "Further information:", "", "Link text here"],
            "Text.\n\nFurther information:\n\nLink text here",
        ),
        (["Text.", "", "For more information, please visit:", ""], "Text."),
        # chrome lines
        (["Text.", "© 2019 United Nations. All rights reserved.", "Terms of use | Privacy"], "Text."),
        (["Text.", "", "Back to top | © 2020 United Nations"], "Text."),
        (["Text.", "", "Back to top | the next item"], "Text.\n\nBack to top | the next item"),
    ],
)
def test_clean_body_text(lines, expected):
    assert clean_body(lines).text == expected


def test_clean_body_keeps_different_credits_once_each():
    lines = ["Image © UNODCThe first.", "", "Image © UNRICThe second.", "", "Image © UNODCThe third."]
    assert clean_body(lines) == CleanBody("The first.\n\nThe second.\n\nThe third.", "UNODC; UNRIC", None)


def test_clean_body_takes_credits_marked_by_the_markup():
    assert clean_body(["On the occasion."], credits=["UNODC/J. Doe", "Image © UNRIC"]) == CleanBody(
        "On the occasion.", "UNODC/J. Doe; UNRIC", None
    )


def test_clean_body_warns_about_a_credit_it_cannot_split():
    body = clean_body(["Image © UNODC the delegation then visited the port of Antwerp."])
    assert body == CleanBody(
        text="Image © UNODC the delegation then visited the port of Antwerp.",
        image_credit=None,
        source=None,
        warnings=(
            "cannot tell where the image credit ends in 'Image © UNODC the delegation then visited the port of Antwer'; left in the text",
        ),
    )


def test_a_credit_whose_end_is_unclear_ends_after_a_name_the_page_gives_elsewhere():
    line = "Photo credit UNODC Brussels Representatives of police met in Cotonou."
    assert split_credit(line) == (None, line)
    assert split_credit(line, known=["UNODC", "UNODC Brussels"]) == (
        "UNODC Brussels",
        "Representatives of police met in Cotonou.",
    )
    # Without a name from elsewhere, the text starts at a capitalised word
    # followed by a lowercase one that joins no name.
    assert split_credit("Photo credit UNODC Kenya Police investigators from three countries met in Nairobi.") == (
        "UNODC Kenya",
        "Police investigators from three countries met in Nairobi.",
    )
    # The words that join a name may come before it; an acronym opens the
    # text after two words of credit.
    for line, credit in (
        (
            "Photo credit EU Delegation to Kenya Officials met in Nairobi to review the project.",
            "EU Delegation to Kenya",
        ),
        (
            "Photo credit: UNODC/Global Programme on Cybercrime Twenty-four police officers met.",
            "UNODC/Global Programme on Cybercrime",
        ),
        ("Photo credit UNODC Brussels UNODC presented on 1 March the findings of its study.", "UNODC Brussels"),
    ):
        assert split_credit(line)[0] == credit
    line = "Photo credit UNODC UNODC presented the findings of its study."
    assert split_credit(line) == (None, line)
    for line in (
        "Photo credit UNODC Brussels Ms Kowalska opened the meeting with a word of welcome.",
        "Photo credit UNODC Mr John Smith opened the meeting with a word of welcome.",
        "Photo credit courtesy Police officers met in the town to talk about the port.",
    ):
        assert split_credit(line) == (None, line)
    # Only a whole name: "UNODC Brussel" is not the start of "UNODC Brusselsfoo".
    line = "Photo credit UNODC Brusselsfoo Officials met in the city to talk about the port."
    assert split_credit(line, ["UNODC Brussel"])[0] == "UNODC Brusselsfoo"
    # The words decide first: a known shorter name does not cut a credit they end.
    assert split_credit("Photo credit UNODC Kenya police The task force met in the port for two days.", ["UNODC"]) == (
        "UNODC Kenya police",
        "The task force met in the port for two days.",
    )


def test_a_caption_is_all_credit_once_its_marker_is_off():
    body = body_of_clean_lines(
        ["Investigators met in Bangkok."], credits=["Image © UNODC Regional Office for Southeast Asia and the Pacific"]
    )
    assert body.image_credit == "UNODC Regional Office for Southeast Asia and the Pacific"
    assert body_of_clean_lines(["Text."], credits=["Volunteers at the port."]).image_credit == "Volunteers at the port"


def test_a_credit_never_ends_on_a_word_that_joins_a_name():
    for line in (
        "Photo: Embassy of Japan officials visited the port",
        "Photo credit: UNODC and the Government of Panama trained officials",
    ):
        assert split_credit(line) == (None, line)
    assert clean_body(["Text.", "", "Back to top |"]).text == "Text."
