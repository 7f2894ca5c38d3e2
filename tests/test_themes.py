import pytest

from indexer.facets import extract_facets
from indexer.facets.programmes import find_programmes
from indexer.facets.registry import BY_NAME, facet
from indexer.facets.sections import ItemText
from indexer.facets.themes import assign_themes, theme_labels
from indexer.facets.vocabulary import Vocabularies
from indexer.ingest.sources import load_items

TAXONOMY = (
    "human trafficking",
    "migrant smuggling",
    "wildlife and forest crime",
    "environmental crime",
    "corruption",
    "terrorism and violent extremism",
    "prisons and criminal justice reform",
    "drugs and drug trafficking",
    "organized crime",
    "cybercrime",
    "maritime crime",
    "HIV and health",
    "gender and women",
    "children",
    "sport integrity",
    "money laundering and illicit financial flows",
    "border and container control",
    "EU-UN partnership and funding",
    "research and data",
)


def themes(title: str, *paragraphs: str) -> tuple[str, ...]:
    text = ItemText(title, list(paragraphs))
    programmes = find_programmes(text)
    return assign_themes(text.masked((m.start, m.end) for _, found in programmes for m in found), programmes)


def test_the_taxonomy_is_the_api():
    assert theme_labels(Vocabularies.bundled()) == TAXONOMY


def test_best_supported_theme_first():
    assert themes(
        "Women as agents of change against human trafficking",
        "Trafficking in persons in conflict hits women and girls.",
        "Victims of trafficking need shelters; traffickers go unpunished.",
        "Gender equality makes societies less prone to trafficking in persons.",
    ) == ("human trafficking", "gender and women")


def test_a_passing_list_weighs_less_than_the_subject():
    assert themes(
        "Organized crime in Southeast Asia",
        "The meetings covered transnational organized crime, corruption, terrorism and violent extremism, "
        "as well as drug production, trafficking and consumption.",
        "Organized crime groups are more powerful than ever. Methamphetamine seizures doubled, with heroin close behind.",
    ) == ("organized crime", "drugs and drug trafficking")


def test_a_programme_implies_its_themes():
    assert themes("UNODC presented the CCP", "The meeting took place on Tuesday.") == (
        "border and container control",
        "drugs and drug trafficking",
    )


def test_words_of_a_programme_name_are_no_evidence():
    assert themes(
        "Belgium gives to the Trust Fund",
        "Belgium gave two million euros to the UN Voluntary Trust Fund for Victims of Trafficking in Persons, "
        "Especially Women and Children.",
    ) == ("human trafficking",)


@pytest.mark.parametrize(
    "text, absent",
    [
        ("Drug trafficking routes were discussed. Cocaine seizures rose.", "human trafficking"),
        ("The United Nations Office on Drugs and Crime met the European Commission.", "drugs and drug trafficking"),
        ("The HIV clinic opened; staff give tips to visitors.", "human trafficking"),
    ],
)
def test_phrases_are_not_read_inside_others(text, absent):
    assert absent not in themes("News", text)


def test_who_pays_is_not_the_partnership_theme():
    assert themes(
        "UNODC trains prison staff in Nigeria",
        "With funding from the European Union, UNODC trained prison staff; the EU-funded project also "
        "supports alternatives to imprisonment.",
    ) == ("prisons and criminal justice reform",)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Trafficking in small arms and light weapons (SALW) and arms trafficking were discussed.",
            ("organized crime",),
        ),
        ("Online scams hit victims worldwide.", ("cybercrime",)),
        ("People at risk of trafficking were helped.", ("human trafficking",)),
        ("Cocaine trafficking along the trafficking routes rose.", ("drugs and drug trafficking",)),
        ("Boko Haram and ISIL recruit.", ("terrorism and violent extremism",)),
    ],
)
def test_other_years_vocabulary(text, expected):
    assert themes("News", text) == expected


def test_a_phrase_may_serve_two_themes():
    assert set(themes("News", "Investigators of online child sexual exploitation and abuse (OCSEA) met.")) == {
        "cybercrime",
        "children",
    }


def test_an_item_without_evidence_gets_the_fallback():
    assert themes("A seminar", "Staff attended a seminar on rules and procedures.") == (
        "EU-UN partnership and funding",
    )


def test_at_most_three_themes():
    assert themes(
        "Human trafficking and corruption",
        "Trafficking in persons rose.",
        "Corruption cases grew. Bribery is common.",
        "Money laundering was discussed. Illicit financial flows were traced. Asset recovery followed.",
        "Terrorism was discussed. Terrorist groups recruit.",
        "Cybercrime was discussed.",
    ) == ("human trafficking", "corruption", "money laundering and illicit financial flows")


def test_the_partnership_is_kept_beside_three_subjects():
    # An agreement on four things: the partnership is what the item is,
    # not one of the three subjects it may have.
    assert themes(
        "EU and UNODC sign EUR 18 million agreement",
        "Border management comes first. Border guards will be trained in border management.",
        "Drug trafficking rose. Drug seizures doubled. Cocaine is sold. Heroin too.",
        "Prison reform follows. Prisons are overcrowded, and prison reform is urgent.",
        "Human trafficking was mentioned.",
    ) == (
        "border and container control",
        "drugs and drug trafficking",
        "prisons and criminal justice reform",
        "EU-UN partnership and funding",
    )
    # A member State's contribution is no EU-UN partnership.
    assert themes(
        "Belgium announces EUR 2 million contribution to the trust fund for victims of trafficking",
        "Human trafficking victims will be helped.",
    ) == ("human trafficking",)


def test_themes_tied_at_the_cut_are_all_left_out():
    # Cybercrime and maritime crime have the same evidence; only one of them
    # would fit in the four: neither is kept.
    assert themes(
        "Human trafficking and corruption on the agenda",
        "Terrorism was discussed on Monday.",
        "Cybercrime was discussed on Tuesday.",
        "Piracy was discussed on Wednesday.",
    ) == ("human trafficking", "corruption", "terrorism and violent extremism")


def test_people_named_by_their_job_count_once_in_an_item():
    # Who is trained says less of what an item is about than what they are
    # trained in: judges and prosecutors, however often named, do not make
    # it about criminal justice reform.
    assert themes(
        "Training on trafficking in persons in Baghdad",
        "Twenty judges and prosecutors studied cases of trafficking in persons and the protection of victims of "
        "trafficking.",
        "The judges discussed how to hear victims.",
        "Prosecutors shared the cases they brought.",
        "The judges said the course helped.",
        "Prosecutors asked for more.",
    ) == ("human trafficking",)


def test_the_pandemic_as_a_time_frame_is_no_evidence_of_health():
    assert themes(
        "Drug markets during the COVID-19 pandemic",
        "Cocaine seizures fell during the pandemic, and drug trafficking moved to the sea.",
    ) == ("drugs and drug trafficking",)
    assert "HIV and health" in themes(
        "COVID-19 in prisons", "Prisons were hit by COVID-19: health services for prisoners were cut."
    )


def test_every_item_of_the_corpus_gets_one_to_four_themes_of_the_taxonomy():
    for item in load_items():
        assigned = extract_facets(item).themes
        assert 1 <= len(assigned) <= 4 and set(assigned) <= set(TAXONOMY), item.title


@pytest.mark.parametrize(
    "typed, label",
    [
        ("human trafficking", "human trafficking"),
        ("Human Trafficking", "human trafficking"),
        ("human-trafficking", "human trafficking"),
        ("hiv and health", "HIV and health"),
        ("EU-UN partnership and funding", "EU-UN partnership and funding"),
        ("trafficking", None),
        ("", None),
    ],
)
def test_resolve_filter(typed, label):
    assert BY_NAME["theme"].resolve_typed(Vocabularies.bundled(), typed) == label


def test_facet_label_is_the_label():
    assert BY_NAME["theme"].label_of(Vocabularies.bundled(), "human trafficking") == "human trafficking"


def test_unknown_facet_is_an_error():
    with pytest.raises(ValueError, match="unknown facet"):
        facet("colour")


def test_a_fund_is_weak_evidence_of_the_partnership():
    text = (
        "Judges of Niger discussed migrant smuggling cases, with funding from the EU Emergency Trust Fund for Africa."
    )
    assert themes("Migrant smuggling cases reviewed in Niger", text) == ("migrant smuggling",)
    assert "EU-UN partnership and funding" in themes(
        "The EU Emergency Trust Fund for Africa and UNODC sign a contribution agreement", text
    )
