"""The phrase table's entries for Swedish, Norwegian, Danish and Finnish.
Data only; the fields and the sources are described in ``helpdesk.mail.reply_phrases``.
"""

from __future__ import annotations

from helpdesk.mail.reply_phrases.language import Language

# fmt: off
NORDIC: dict[str, Language] = {
    "sv": Language(
        wrote=("skrev",),
        opens=("Den", "På"),
        wrote_first=("skrev",),
        quoting=("Citerar",),
        from_=("Från", "Avsändare"),
        date=("Skickat", "Skickades", "Datum", "Skickat den"),
        to=("Till", "Mottagare", "Svara till"),
        cc=("Kopia", "Kopia till", "Cc"),
        subject=("Ämne", "Rubrik"),
        original=("Ursprungligt meddelande", "Originalmeddelande", "Ursprungligt e-postmeddelande"),
        forwarded=(
            "Vidarebefordrat meddelande", "Vidarebefordrat brev", "Början av vidarebefordrat meddelande",
        ),
        forward_prefixes=("VB", "Vb", "Vidarebef"),
        device=(
            "Skickat från min …", "Skickat från …", "Skickades från …", "Skickat med …",
            "Hämta Outlook för …", "Skaffa Outlook för …",
        ),
        sign_offs=(
            "Mvh", "M.v.h", "Med vänlig hälsning", "Med vänliga hälsningar", "Vänlig hälsning",
            "Vänliga hälsningar", "Bästa hälsningar", "Hälsningar", "Hälsning", "Varma hälsningar", "Vh",
            "Vänligen", "Allt gott", "Hälsar",
        ),
        thanks=(
            "Tack", "Tack så mycket", "Stort tack", "Tusen tack", "Tack på förhand", "Tack i förväg",
            "Ha en bra dag", "Ha en fin dag", "Ha en trevlig dag", "Ha en bra helg", "Ha en fin helg",
            "Ha en trevlig helg", "Ha en bra kväll", "Trevlig helg",
        ),
        and_=("och", "&",),
        disclaimer=("konfidentiell", "sekretessbelag", "avsett för adressaten", "av misstag"),
    ),
    "no": Language(
        wrote=("skrev", "skreiv"),
        opens=("Den", "På"),
        wrote_first=("skrev", "skreiv"),
        from_=("Fra", "Avsender"),
        date=("Sendt", "Dato"),
        to=("Til", "Mottaker"),
        cc=("Kopi", "Kopi til", "Cc"),
        subject=("Emne",),
        original=("Opprinnelig melding", "Original melding", "Opprinnelig e-post"),
        forwarded=("Videresendt melding", "Videresendt e-post", "Begynnelse på videresendt melding"),
        forward_prefixes=("VS", "Vs", "Videresend"),
        device=("Sendt fra min …", "Sendt fra …", "Få Outlook for …", "Hent Outlook for …"),
        sign_offs=(
            "Mvh", "Med vennlig hilsen", "Vennlig hilsen", "Hilsen", "Beste hilsen", "Vh", "Hilsener",
            "Mange hilsener",
        ),
        thanks=("Takk", "Tusen takk", "Takk på forhånd", "Mange takk", "Ha en fin dag", "God helg"),
        and_=("og",),
        disclaimer=("konfidensiell", "taushetsbelagt", "ved en feil"),
    ),
    "da": Language(
        wrote=("skrev",),
        opens=("Den",),
        wrote_first=("skrev",),
        from_=("Fra", "Afsender"),
        date=("Sendt", "Dato"),
        to=("Til", "Modtager"),
        cc=("Cc", "Kopi", "Kopi til"),
        subject=("Emne",),
        original=("Oprindelig meddelelse", "Original meddelelse", "Oprindelig besked", "Original besked"),
        forwarded=("Videresendt meddelelse", "Videresendt besked", "Start på videresendt besked"),
        forward_prefixes=("VS", "Vs", "Videresend"),
        device=("Sendt fra min …", "Sendt fra …", "Hent Outlook til …", "Få Outlook til …"),
        sign_offs=(
            "Mvh", "Med venlig hilsen", "Venlig hilsen", "Venlige hilsner", "Hilsen", "De bedste hilsner",
            "Bedste hilsner", "Bedste hilsen", "Kh", "Kærlig hilsen", "Kærlige hilsner", "Vh", "Dbh", "Knus",
        ),
        thanks=(
            "Tak", "Mange tak", "På forhånd tak", "Tak på forhånd", "Tusind tak", "God dag", "God weekend",
        ),
        and_=("og",),
        disclaimer=("fortrolig", "ved en fejl"),
    ),
    "fi": Language(
        wrote=("kirjoitti",),
        from_=("Lähettäjä",),
        date=("Lähetetty", "Päivämäärä", "Päiväys"),
        to=("Vastaanottaja",),
        cc=("Kopio",),
        subject=("Aihe",),
        original=("Alkuperäinen viesti",),
        forwarded=("Välitetty viesti", "Edelleenlähetetty viesti", "Välitetty viesti alkaa"),
        forward_prefixes=("VL", "Vl", "VS"),
        device=("Lähetetty …", "Hanki Outlook for …", "Hanki Outlook …"),
        sign_offs=(
            "Terveisin", "Ystävällisin terveisin", "Parhain terveisin", "Ystävällisesti", "Yst", "Terv",
            "Kiittäen", "Hyvää päivänjatkoa",
        ),
        thanks=("Kiitos", "Kiitoksia", "Kiitos etukäteen", "Kiitos paljon"),
        and_=("ja",),
        disclaimer=("luottamuksellis", "vahingossa"),
    ),
}
# fmt: on
