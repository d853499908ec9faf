"""Quote and signature splitting: behaviour per client style, and the score on the replies corpus."""

from __future__ import annotations

import pytest

from helpdesk.mail.quotes import split_reply
from tests.helpdesk.replies_scoring import score_own_replies, score_replies, summary


def test_replies_corpus_score_per_set_and_in_total():
    cases = score_replies()
    for case in cases:
        if not case.ok:
            print(f"miss {case.name}: {case.detail}")
    print("\nquote/signature splitting on ../shared/corpora/replies:")
    print("\n".join(summary(cases)))
    # The goal: at least 90 % of replies right, in every set together.
    assert sum(c.ok for c in cases) / len(cases) >= 0.9


def test_own_replies_score_per_set():
    cases = score_own_replies()
    for case in cases:
        if not case.ok:
            print(f"miss {case.name}: {case.detail}")
    print("\nquote/signature splitting on tests/helpdesk/replies_own:")
    print("\n".join(summary(cases)))
    assert sum(c.ok for c in cases) / len(cases) >= 0.9


def test_gmail_swedish_reply_with_mvh_signature():
    split = split_reply(
        "Hej!\n\nTack för snabbt svar, det löste sig.\n\nMvh\nAnna Berg\n070-123 45 67\n\n"
        "Den tis 5 mars 2024 kl 10:15 skrev Nordlager Support <support@nordlager.example>:\n\n"
        "> Hej Anna,\n> din order 100231 är skickad.\n"
    )
    assert split.visible == "Hej!\n\nTack för snabbt svar, det löste sig."
    assert split.signature.startswith("Mvh\nAnna Berg")
    assert split.quoted.startswith("Den tis 5 mars 2024") and "order 100231" in split.quoted


def test_iphone_swedish_attribution_and_device_signature():
    split = split_reply(
        "Okej, då väntar jag.\n\nSkickat från min iPhone\n\n"
        "5 mars 2024 kl. 10:15 skrev Nordlager Support <support@nordlager.example>:\n\n"
        "\ufeffHej, leveransen är försenad.\n"
    )
    assert split.visible == "Okej, då väntar jag."
    assert split.signature == "Skickat från min iPhone"
    assert "leveransen är försenad" in split.quoted


@pytest.mark.parametrize(
    "header",
    [
        "Från: Nordlager Support <support@nordlager.example>\nSkickat: den 5 mars 2024 10:15\n"
        "Till: Anna Berg <anna@example.se>\nÄmne: SV: Order 100231",
        "From: Nordlager Support [mailto:support@nordlager.example]\nSent: Tuesday, March 5, 2024 10:15 AM\n"
        "To: Anna Berg\nSubject: RE: Order 100231",
        "Von: Nordlager Support <support@nordlager.example>\nGesendet: Dienstag, 5. März 2024 10:15\n"
        "An: Anna Berg\nBetreff: AW: Order 100231",
        "De : Nordlager Support <support@nordlager.example>\nEnvoyé : mardi 5 mars 2024 10:15\n"
        "À : Anna Berg\nObjet : RE: Order 100231",
        "*From:* Nordlager Support <support@nordlager.example>\n*Date:* Tue, Mar 5, 2024 at 10:15 AM\n"
        "*Subject:* Order 100231\n*To:* Anna Berg",
        "-----Ursprungligt meddelande-----\nFrån: support@nordlager.example\nSkickat: 5 mars 2024",
        "-----Original Message-----\nFrom: support@nordlager.example",
        "________________________________\nFrån: Nordlager Support <support@nordlager.example>\n"
        "Skickat: tisdag 5 mars 2024 10:15\nTill: Anna Berg",
    ],
)
def test_outlook_header_blocks_in_several_languages(header):
    split = split_reply(f"Se svar nedan.\n\n{header}\n\nHej Anna,\norder 100231 är skickad.\n")
    assert split.visible == "Se svar nedan."
    assert "order 100231 är skickad" in split.quoted


def test_a_route_in_ordinary_text_is_not_a_quote_header():
    text = "Bokningen gäller:\n\nFrån: Stockholm\nTill: Göteborg\nDatum: 5 mars\n\nTack!"
    assert split_reply(text).visible == text


def test_inline_replies_keep_every_answer():
    split = split_reply(
        "On Tue, Mar 5, 2024 at 10:15 AM Support <support@nordlager.example> wrote:\n"
        "> Which order is it?\n\nIt is 100231.\n\n> And the delivery address?\n\nStorgatan 1, Malmö.\n"
    )
    assert "It is 100231." in split.visible and "Storgatan 1, Malmö." in split.visible
    assert "Which order" not in split.visible and "Which order" in split.quoted


def test_thunderbird_and_apple_mail_attributions():
    thunderbird = split_reply("Tack!\n\nDen 2024-03-05 kl. 10:15, skrev Support:\n> Hej\n")
    assert thunderbird.visible == "Tack!"
    apple = split_reply(
        "Thanks.\n\n> On 5 Mar 2024, at 10:15, Support <s@nordlager.example> wrote:\n> \n> Hi\n"
    )
    assert apple.visible == "Thanks."
    wrapped = split_reply(
        "Fine.\n\nOn Tue, Mar 5, 2024 at 10:15 AM Nordlager Support <\nsupport@x.example> wrote:\n\nHi"
    )
    assert wrapped.visible == "Fine."


def test_forwarded_message_is_kept_as_a_forward_with_its_sender_date_and_subject():
    split = split_reply(
        "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Anna Berg <anna@example.com>\n"
        "Date: Tue, 5 Mar 2024 at 10:15\nSubject: Order 100231\nTo: Per <per@example.com>\n\nWhere is it?\n"
    )
    assert split.visible == "FYI, see below." and split.quoted == ""
    (forward,) = split.forwards
    assert (forward.sender, forward.date, forward.subject) == (
        "Anna Berg <anna@example.com>",
        "Tue, 5 Mar 2024 at 10:15",
        "Order 100231",
    )
    assert forward.text == "Where is it?"
    assert [(r.part, r.name, r.line) for r in split.rules] == [("forward", "forward_separator", 3)]


@pytest.mark.parametrize(
    ("text", "visible", "signature"),
    [
        (
            "Hej,\n\nkan ni ringa mig?\n\nMed vänliga hälsningar\nAnna Berg\nInköp, Firma AB",
            "Hej,\n\nkan ni ringa mig?",
            "Med vänliga hälsningar\nAnna Berg\nInköp, Firma AB",
        ),
        ("Please call me.\n\n-- \nAnna Berg\nPurchasing", "Please call me.", "--\nAnna Berg\nPurchasing"),
        ("Please call me.\n\nBest regards,\nAnna", "Please call me.", "Best regards,\nAnna"),
        ("Ring mig.\n\nHämta Outlook för iOS", "Ring mig.", "Hämta Outlook för iOS"),
        ("Tack!", "Tack!", ""),
        (
            "Skicka fakturan igen.\n\nTack på förhand!\nAnna",
            "Skicka fakturan igen.",
            "Tack på förhand!\nAnna",
        ),
        ("Skicka fakturan igen.\n\nVänligen\nAnna Berg", "Skicka fakturan igen.", "Vänligen\nAnna Berg"),
        (
            "Kan ni leverera på fredag?\n\nTrevlig helg!\nAnna",
            "Kan ni leverera på fredag?",
            "Trevlig helg!\nAnna",
        ),
        (
            "Ring mig.\n\nSkickat från min Samsung Galaxy-smartphone.",
            "Ring mig.",
            "Skickat från min Samsung Galaxy-smartphone.",
        ),
        ("Mvh", "Mvh", ""),
    ],
)
def test_signatures(text, visible, signature):
    split = split_reply(text)
    assert (split.visible, split.signature) == (visible, signature)


def test_sender_name_starts_a_signature_without_delimiter():
    text = "Can you send the invoice again?\n\nAnna Berg\nHead of Purchasing\nFirma AB\n+46 70 123 45 67"
    split = split_reply(text, sender_name="Anna Berg", sender_address="anna.berg@firma.se")
    assert split.visible == "Can you send the invoice again?"
    assert split.signature.startswith("Anna Berg")


def test_pathological_input_is_linear():
    text = ("> " + "x" * 5000 + "\n") * 200 + "On " + "a" * 100000
    split = split_reply(text)
    assert split.quoted


@pytest.mark.parametrize(
    "attribution",
    [
        "Am Di., 5. März 2024 um 10:15 Uhr schrieb Nordlager Support <support@nordlager.example>:",
        "Le mar. 5 mars 2024 à 10:15, Nordlager Support <support@nordlager.example> a écrit :",
        "El mar, 5 mar 2024 a las 10:15, Nordlager Support (<support@nordlager.example>) escribió:",
        "Op di 5 mrt 2024 om 10:15 schreef Nordlager Support <support@nordlager.example>:",
        "Den 5. mar. 2024 kl. 10.15 skrev Nordlager Support <support@nordlager.example>:",
        "ti 5.3.2024 klo 10.15 Nordlager Support (support@nordlager.example) kirjoitti:",
        "On 5 Mar 2024, at 10:15, Nordlager Support <support@nordlager.example> wrote:",
        "On Tue, Mar 5, 2024 at 10:15 AM Nordlager Support <support@nordlager.example> wrote:",
    ],
)
def test_gmail_and_apple_attributions_in_several_languages(attribution):
    split = split_reply(f"Tack för svaret!\n\n{attribution}\n\n> Hej,\n> ordern är skickad.\n")
    assert split.visible == "Tack för svaret!"
    assert split.quoted.startswith(attribution.split()[0]) and "ordern är skickad" in split.quoted


@pytest.mark.parametrize(
    "attribution",
    [
        "Den tis 5 mars 2024 kl 10:15 skrev Nordlager Support <\nsupport@nordlager.example>:",
        "Den tis 5 mars 2024 kl 10:15 skrev Nordlager Kundtjänst <support@nordlager.example\n>:",
        "Am Di., 5. März 2024 um 10:15 Uhr schrieb Nordlager Support <\nsupport@nordlager.example>:",
        "Op di 5 mrt 2024 om 10:15 schreef Nordlager Support <\nsupport@nordlager.example>:",
    ],
)
def test_attributions_wrapped_after_the_verb_are_quoted_history(attribution):
    # Gmail wraps its plain text near 78 columns: where the verb comes before the name (Swedish,
    # German, Dutch), the colon that ends the attribution lands on the next line.
    split = split_reply(f"Tack för svaret!\n\n{attribution}\n\n> Hej,\n> ordern är skickad.\n")
    assert split.visible == "Tack för svaret!"
    assert split.quoted.startswith(attribution.split()[0]) and "ordern är skickad" in split.quoted


def test_html_only_replies_split_on_the_clients_quote_markers():
    from helpdesk.mail.parsing import parse_email

    cases = {
        '<div dir="ltr">Tack!</div><br><div class="gmail_quote"><div class="gmail_attr">Den tis 5 mars 2024 '
        "skrev Support &lt;s@x.se&gt;:</div><blockquote>Hej, ordern är skickad.</blockquote></div>": "Tack!",
        '<div>Tack!</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>Från:</b> Support '
        "<br><b>Skickat:</b> den 5 mars 2024 10:15<br><b>Till:</b> Anna<br><b>Ämne:</b> Order</div>"
        "<div>Hej, ordern är skickad.</div>": "Tack!",
        '<div>Tack!</div><blockquote type="cite"><div>On 5 Mar 2024, at 10:15, Support wrote:</div>'
        "<div>Hej, ordern är skickad.</div></blockquote>": "Tack!",
    }
    for html, visible in cases.items():
        raw = b"From: anna@example.se\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html.encode()
        parsed = parse_email(raw)
        assert parsed.visible_text == visible, html
        assert "ordern är skickad" in parsed.quoted_text
        assert "ordern är skickad" in parsed.body_text and "HELPDESK-" not in parsed.body_text


def test_a_mail_that_is_only_a_quote_has_no_visible_text():
    split = split_reply(
        "On Tue, Mar 5, 2024 at 10:15 AM Support <s@n.example> wrote:\n> Hej\n> order 100231\n"
    )
    assert split.visible == "" and "order 100231" in split.quoted
    outlook = split_reply(
        "Från: Support <s@n.example>\nSkickat: den 5 mars 2024 10:15\nTill: Anna\nÄmne: Order\n\nHej"
    )
    assert outlook.visible == "" and outlook.rules[0].name == "header_block"


def test_a_mail_that_is_only_a_device_line_or_delimited_signature_has_no_visible_text():
    assert split_reply("Skickat från min iPhone").visible == ""
    assert split_reply("Skickat från min iPhone").signature == "Skickat från min iPhone"
    delimited = split_reply("-- \nAnna Berg\nInköp, Firma AB")
    assert (delimited.visible, delimited.signature) == ("", "--\nAnna Berg\nInköp, Firma AB")


@pytest.mark.parametrize(
    "text",
    [
        "Please send my regards to the warehouse team.\nThanks for the quick delivery.",
        "Regards from all of us here in Malmö, the pallets arrived.",
        "Sent from the warehouse in Göteborg yesterday, the parcel is late.",
        "Sent from my desk, is much easier than my mobile phone.",
        "Best regards to your team and see you at the fair.",
    ],
)
def test_sentences_that_merely_contain_regards_or_from_stay_visible(text):
    assert split_reply(f"Hej!\n\n{text}").visible == f"Hej!\n\n{text}"


def test_the_writers_formatting_is_kept_as_written():
    text = (
        "Here is the config:\n\n    [order]\n    number = 100231\n\n"
        "Steps:\n- open the box\n- count the pallets\n\n\nThat is all."
    )
    assert (
        split_reply(f"{text}\n\nOn 5 Mar 2024, at 10:15, Support <s@n.example> wrote:\n> old\n").visible
        == text
    )


def test_a_signature_after_the_quote_is_still_the_signature():
    split = split_reply(
        "Thanks, that works.\n\nOn 5 Mar 2024, at 10:15, Support <s@n.example> wrote:\n> Try again.\n\n"
        "-- \nAnna Berg\nFirma AB"
    )
    assert split.visible == "Thanks, that works." and split.signature == "--\nAnna Berg\nFirma AB"


def test_a_header_block_without_a_blank_line_and_with_a_wrapped_from_line():
    split = split_reply(
        "Se nedan.\nFrom: Human Resources\n<a-really-long-automated-address+1234@humanresources.example>\n"
        "Sent: Monday, August 26, 2019 4:37 PM\nTo: Anna Berg <anna@example.se>\nSubject: Applicant\n\nOld"
    )
    assert split.visible == "Se nedan." and split.quoted.startswith("From: Human Resources")


def test_a_name_title_and_phone_block_is_the_signature():
    split = split_reply(
        "Can you send the invoice again?\n\nAnna Berg\nHead of Purchasing, Firma AB\n+46 70 123 45 67\n"
        "www.firma.example"
    )
    assert split.visible == "Can you send the invoice again?"
    assert split.signature.startswith("Anna Berg") and split.rules[0].name == "contact_block"
    address = "Please deliver to:\n\nAnna Berg\nStorgatan 1\n211 22 Malmö\n+46 70 123 45 67"
    assert split_reply(address).visible == address


@pytest.mark.parametrize(
    "signature",
    [
        '<div id="AppleMailSignature">Skickat från min iPhone</div>',
        '<div class="protonmail_signature_block"><div>Anna Berg</div><div>Firma AB</div></div>',
    ],
)
def test_html_signature_containers_of_apple_mail_and_proton_mail(signature):
    from helpdesk.mail.parsing import parse_email

    html = f"<div>Kan ni ringa mig?</div><br>{signature}"
    raw = b"From: anna@example.se\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html.encode()
    parsed = parse_email(raw)
    assert parsed.visible_text == "Kan ni ringa mig?" and parsed.signature
    assert parsed.split_rules[0].name == "html_signature"


def test_markdown_rules_and_headings_are_not_signature_separators():
    text = (
        "Here is my analysis:\n\n## Key Points\n----\n\n1. Performance improved by 50%\n"
        "2. Memory usage reduced\n\n----\n\nThe dashes above are formatting.\n\n====\n\n"
        "Also these equal signs."
    )
    assert split_reply(text).visible == text
    signed = split_reply("Thanks for the update!\n\n----------------\nAnna Berg\nFirma AB\n+46 70 123 45 67")
    assert signed.visible == "Thanks for the update!" and signed.rules[0].name == "rule_line"


@pytest.mark.parametrize(
    "closing",
    [
        "Danke und Gruß\nFelix",
        "Thanks and best regards,\nFelix",
        "Tack och hälsningar\nFelix",
        "Merci et bonne journée,\nFelix",
        "Grazie e cordiali saluti\nFelix",
        "Kiitos ja terveisin\nFelix",
    ],
)
def test_a_thanks_joined_to_a_sign_off_starts_the_signature(closing):
    split = split_reply(f"Bitte stornieren Sie Position 2.\n\n{closing}")
    assert split.visible == "Bitte stornieren Sie Position 2."
    assert split.signature == closing


def test_thanks_and_a_sentence_is_not_a_sign_off():
    text = "Bitte stornieren Sie Position 2.\n\nDanke und bitte rufen Sie mich an."
    assert split_reply(text).visible == text


def test_gmail_html_nests_its_lines_in_divs_without_indenting_them():
    from helpdesk.mail.parsing import parse_email

    html = (
        '<div dir="ltr">Hallo,<div><br></div><div>bitte stornieren Sie Position 2.</div><div><br></div>'
        "<div>Gruß</div><div>Felix</div></div>"
    )
    raw = b"From: felix@example.de\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html.encode()
    parsed = parse_email(raw)
    assert parsed.visible_text == "Hallo,\n\nbitte stornieren Sie Position 2."
    assert parsed.signature == "Gruß\nFelix"


@pytest.mark.parametrize(
    ("text", "visible", "signature"),
    [
        ("Hi, any news on the refund?\n\nLucy", "Hi, any news on the refund?", "Lucy"),
        ("Kan ni ringa mig?\n\nAnna B.", "Kan ni ringa mig?", "Anna B."),
        ("Kan ni ringa mig?\n\nTack", "Kan ni ringa mig?\n\nTack", ""),
        ("Hej,\n\nSvar.", "Hej,\n\nSvar.", ""),
        ("Hej,\n\nkan ni ringa?\n\nOBS", "Hej,\n\nkan ni ringa?\n\nOBS", ""),
    ],
)
def test_a_first_name_alone_as_the_last_paragraph_is_the_signature(text, visible, signature):
    split = split_reply(text)
    assert (split.visible, split.signature) == (visible, signature)


def test_a_thanks_over_a_name_title_and_contact_lines_starts_the_signature():
    split = split_reply(
        "Can you quote 200 m of cable tray?\n\nMany thanks,\n\nDaniel Hughes\nEstimator\n"
        "[cid:image001.png@01DA73B2.5C8E1F20]\nHughes Electrical Ltd | 0113 496 0000"
    )
    assert split.visible == "Can you quote 200 m of cable tray?"
    assert split.signature.startswith("Many thanks,") and split.rules[0].name == "thanks"


@pytest.mark.parametrize(
    "notice",
    [
        "This email and any attachments are confidential and intended solely for the addressee. If you "
        "have received it in error, please notify the sender and delete it.",
        "Detta e-postmeddelande kan innehålla konfidentiell information och är endast avsett för "
        "adressaten. Om du har fått det av misstag, meddela avsändaren.",
        "Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige Adressat sind, "
        "informieren Sie bitte sofort den Absender.",
    ],
)
def test_a_confidentiality_notice_under_the_signature_is_part_of_it(notice):
    split = split_reply(
        f"Please cancel order 51022.\n\nKind regards,\nTom Fletcher\nFletcher Logistics Ltd\n\n{notice}\n\n"
        "On Mon, Mar 11, 2024 at 4:20 PM Support <s@n.example> wrote:\n> Order 51022 is confirmed.\n"
    )
    assert split.visible == "Please cancel order 51022."
    assert split.signature.startswith("Kind regards,") and split.signature.endswith(notice[-20:])
    unsigned = split_reply(f"Please cancel order 51022.\n\n{notice}")
    assert unsigned.visible == "Please cancel order 51022." and unsigned.rules[0].name == "disclaimer"


def test_a_customers_own_words_about_confidentiality_stay_visible():
    text = (
        "Hi,\n\nPlease see the new prices for the municipality contract below.\n\n"
        "Please keep these figures confidential until the contract is signed at the end of the month."
    )
    assert split_reply(text).visible == text


def test_thunderbirds_name_wrote_on_date_attribution():
    split = split_reply(
        "Nordlager Support wrote on 11/03/2024 14:00:\n> Is the pallet still at the terminal?\n\n"
        "No, it was collected this morning.\n"
    )
    assert split.visible == "No, it was collected this morning."
    assert split.quoted.startswith("Nordlager Support wrote on")
    assert split_reply("As I wrote yesterday: the pallet is here.").visible == (
        "As I wrote yesterday: the pallet is here."
    )


def test_a_bilingual_sign_off_starts_the_signature():
    split = split_reply("Wij missen de pakbon.\n\nMet vriendelijke groet / Kind regards,\n\nJan Visser")
    assert split.visible == "Wij missen de pakbon." and split.rules[0].language == "nl,en"
    text = "Wij missen de pakbon.\n\nMet vriendelijke groet / de pakbon is weg"
    assert split_reply(text).visible == text


def test_a_company_signature_of_a_dozen_lines_under_the_sign_off():
    signature = (
        "Best regards,\n\nNatalie Cooper\nHealth & Safety Coordinator\nCooper Flooring Solutions Ltd\n"
        "Unit 7, Brookfield Industrial Estate\nManchester M12 4PL\nT: +44 161 496 0123\nM: +44 7700 900456\n"
        "www.cooperflooring.example\nLinkedIn: linkedin.com/company/cooper-flooring\n[cid:image002.png@01DA]"
    )
    split = split_reply(f"Hello,\n\nCould you send the safety data sheet for 7712?\n\n{signature}")
    assert split.visible == "Hello,\n\nCould you send the safety data sheet for 7712?"
    assert split.signature.startswith("Best regards,")


def test_a_postscript_under_the_signature_stays_visible():
    split = split_reply(
        "Die Ware ist angekommen.\n\nViele Grüße\nAnna Richter\n\nP.S. Bitte Rechnungen an buchhaltung@x.de."
    )
    assert split.visible == "Die Ware ist angekommen.\n\nP.S. Bitte Rechnungen an buchhaltung@x.de."
    assert split.signature == "Viele Grüße\nAnna Richter"


@pytest.mark.parametrize(
    ("text", "visible", "signature"),
    [
        (
            "Kommer leveransen i dag?\n\nHälsningar\nMaja\n\nSkickat från min Samsung Galaxy-smartphone",
            "Kommer leveransen i dag?",
            "Hälsningar\nMaja\n\nSkickat från min Samsung Galaxy-smartphone",
        ),
        (
            "Bitte Rückruf.\n\nDanke\nUte\n\n-- \nUte Lang\nLang Bau GmbH",
            "Bitte Rückruf.",
            "Danke\nUte\n\n--\nUte Lang\nLang Bau GmbH",  # lines are kept right-stripped
        ),
        ("Can you call me?\n\nThanks!\n\n-- \nPeter Hall", "Can you call me?\n\nThanks!", "--\nPeter Hall"),
    ],
)
def test_a_closing_right_above_a_signature_found_by_another_rule_joins_it(text, visible, signature):
    split = split_reply(text)
    assert (split.visible, split.signature) == (visible, signature)


def test_a_closing_above_an_html_signature_block_joins_it():
    from helpdesk.mail.html_sanitise import html_to_marked_text

    html = (
        '<div dir="ltr"><div>Finns art 5120 i lager?</div><div><br></div><div>Mvh</div><div>Eva</div>'
        '<div><br></div><div class="gmail_signature">Eva Lund<div>Lund Bygg AB</div></div></div>'
    )
    split = split_reply(html_to_marked_text(html))
    assert split.visible == "Finns art 5120 i lager?"
    assert split.signature.startswith("Mvh\nEva")


def test_a_sign_off_over_a_contact_block_alone_is_a_signature_only_mail():
    split = split_reply("Best regards,\n\nAlan Price\nPrice Roofing Ltd\nTel: 01632 960555")
    assert split.visible == "" and split.signature.startswith("Best regards,")
    assert split_reply("Thanks!").visible == "Thanks!"


def test_a_thanks_sentence_above_a_delimiter_stays_the_writers():
    text = "Please send the CE certificate.\n\nThanks in advance.\n\n--\nMarta Gil\nTel. 961 234 567"
    split = split_reply(text)
    assert split.visible == "Please send the CE certificate.\n\nThanks in advance."
    assert split.signature.startswith("--\nMarta Gil")


def test_inline_answers_with_addresses_and_phone_numbers_are_not_a_signature():
    split = split_reply(
        "Hej,\n\nsvar nedan.\n\nDen tis 12 mars 2024 kl 10:02 skrev Support <s@n.example>:\n\n"
        "> Leveransadress?\n\nStorgatan 5, 11122 Stockholm\n\n> Kontaktperson och telefon?\n\n"
        "Lena Ek, 070-123 45 67\n\nMvh\nLena\n"
    )
    assert split.visible == "Hej,\n\nsvar nedan.\n\nStorgatan 5, 11122 Stockholm\n\nLena Ek, 070-123 45 67"
    assert split.signature == "Mvh\nLena"


def test_yahoos_attribution_with_the_quote_on_the_same_line():
    split = split_reply(
        "Yes, Friday is fine.\n\n    On Tuesday, 12 March 2024 at 10:02:11 GMT, Support <s@n.example> wrote:"
        "   Hi Sue,\nShall we deliver on Friday?\nSupport\n"
    )
    assert split.visible == "Yes, Friday is fine."
    assert split.quoted.splitlines()[-3:] == ["Hi Sue,", "Shall we deliver on Friday?", "Support"]
    assert split.rules[-1].name == "attribution"


def test_an_html_block_holding_only_a_no_break_space_is_a_blank_line():
    from helpdesk.mail.html_sanitise import html_to_text

    assert html_to_text("<div>Hej!</div><div>&nbsp;</div><div>Faktura 118 betald.</div>") == (
        "Hej!\n\nFaktura 118 betald."
    )
