"""What mail clients write around quoted history, forwarded mail and signatures, per language. Data only.

``helpdesk.mail.reply_rules`` builds its lookups from this table; no other module holds phrases, so a
language or a client is added here and nowhere else. Every phrase is matched case-insensitively, as a
whole line (labels: up to the colon), with any run of spaces matching any run of whitespace.

Sources. The phrases are what the clients themselves write, collected from their localised output:
Gmail (web and apps), Outlook (desktop, web, iOS and Android), Apple Mail (macOS, iOS), Thunderbird
(its ``mailnews.reply_header_*`` and forward header strings), Samsung Email, Windows Mail, Yahoo,
Zoho, GMX/web.de, Orange/La Poste, Mail.ru/Yandex, Seznam and Horde, as they appear in real replies.
They were checked against the reply corpora in ``../shared/corpora/replies`` and the phrase lists of
four open-source reply parsers (talon, crisp-oss/email-reply-parser, alfonsrv/mail-parser-reply,
discourse/email_reply_trimmer); no code was taken from them. ``helpdesk.mail.reply_examples`` shows
one line of each form as the client writes it, and ``tests/helpdesk/test_reply_phrases.py`` proves
that every one of them is read as what it is.

Fields of a ``Language`` (all optional):

- ``wrote``: the verb that ends an attribution ("On 5 Mar 2024, Anna <a@x.se> wrote:"), with the
  gender form some clients write ("napisał(a)").
- ``opens``: words an attribution starts with ("On", "Am", "Le"): they join a first line without digits
  ("On Wed, Dec 9, Anna Berg") to the address and verb the client wrapped onto the next lines.
- ``wrote_first``: verbs that may also come before the name ("Den 5 mars 2024 skrev Anna <a@x.se>:",
  "Anna <a@x.se> schrieb am 5. März 2024:"); in English only Thunderbird's "Anna wrote on 5.3.2024:".
- ``quoting``: Horde-style attributions that start with the phrase: "Quoting Anna <a@x.se>:".
- ``from_``, ``date``, ``to``, ``cc``, ``subject``: the labels of a header block (Outlook's "From: /
  Sent: / To: / Subject:", a forward's header, webmail's "Message du : / De : / A : / Objet :").
- ``original``: separators of a quoted original ("-----Original Message-----", any dashes).
- ``forwarded``: separators and intros of forwarded mail ("---------- Forwarded message ---------",
  "Begin forwarded message:").
- ``forward_prefixes``: subject prefixes of a forward ("Fwd:", "WG:", "VB:"): an Outlook forward is
  told from a reply only by them.
- ``device``: lines a phone or app appends ("Sent from my iPhone"); ``…`` stands for the device or app
  (one to six words, a link allowed), so "Sent from my desk, is much easier ..." is not one.
- ``sign_offs``: a line that starts a signature, alone or followed by a name ("Mvh", "Regards, Anna").
- ``thanks``: a closing thanks, a signature only when a name follows it ("Tack!\\nAnna").
- ``disclaimer``: stems that mark a confidentiality notice under a signature ("confidential", "intended
  recipient", "vertraulich"), matched inside a long closing paragraph.
- ``and_``: the word that joins a thanks to a sign-off on one line ("Danke und Gruß", "Tack och
  hälsningar", "Merci et bonne journée"): such a line is a sign-off in every language's combination.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    wrote: tuple[str, ...] = ()
    opens: tuple[str, ...] = ()
    wrote_first: tuple[str, ...] = ()
    quoting: tuple[str, ...] = ()
    from_: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: tuple[str, ...] = ()
    original: tuple[str, ...] = ()
    forwarded: tuple[str, ...] = ()
    forward_prefixes: tuple[str, ...] = ()
    device: tuple[str, ...] = ()
    sign_offs: tuple[str, ...] = ()
    thanks: tuple[str, ...] = ()
    and_: tuple[str, ...] = ()
    disclaimer: tuple[str, ...] = ()


# fmt: off
LANGUAGES: dict[str, Language] = {
    "en": Language(
        wrote=("wrote", "writes", "has written", "sent"),
        opens=("On",),
        wrote_first=("wrote",),
        quoting=("Quoting",),
        from_=("From",),
        date=("Sent", "Date", "Sent on"),
        to=("To", "Reply-To"),
        cc=("Cc", "Bcc"),
        subject=("Subject",),
        original=("Original Message", "Original", "Reply message", "Original e-mail", "Original email"),
        forwarded=("Forwarded message", "Forwarded e-mail", "Begin forwarded message", "Forwarded by"),
        forward_prefixes=("Fwd", "Fw", "Forward"),
        device=(
            "Sent from my …", "Sent from …", "Sent with …", "Sent via …", "Sent using …",
            "Sent on the go from …", "Get Outlook for …", "Download Outlook for …",
        ),
        sign_offs=(
            "Regards", "Best regards", "Kind regards", "Warm regards", "Warmest regards", "Kindest regards",
            "With kind regards", "With best regards", "Many regards", "Best", "All the best", "Best wishes",
            "Cheers", "Sincerely", "Yours sincerely", "Sincerely yours", "Yours faithfully", "Yours truly",
            "Yours", "Thanks and regards", "Thanks & regards", "Thanks and best regards", "Rgds", "BR", "KR",
            "Respectfully",
        ),
        thanks=(
            "Thanks", "Thank you", "Many thanks", "Thanks again", "Thanks a lot", "Thanks in advance",
            "Thank you in advance", "Thx", "Take care", "Have a nice day", "Have a great day",
            "Have a nice weekend", "Have a great weekend",
        ),
        and_=("and", "&",),
        disclaimer=(
            "confidential", "intended recipient", "intended solely for", "intended only for",
            "received this in error", "received this email in error", "privileged",
        ),
    ),
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
    "de": Language(
        wrote=("schrieb", "hat geschrieben"),
        opens=("Am",),
        wrote_first=("schrieb",),
        quoting=("Zitat von",),
        from_=("Von", "Absender"),
        date=("Gesendet", "Datum", "Gesendet am"),
        to=("An", "Empfänger", "Antwort an"),
        cc=("Cc", "Kopie", "Kopie an"),
        subject=("Betreff",),
        original=("Ursprüngliche Nachricht", "Originalnachricht", "Ursprüngliche Mitteilung", "Original",
            "Antwort Nachricht"),
        forwarded=(
            "Weitergeleitete Nachricht", "Weitergeleitete Mitteilung",
            "Anfang der weitergeleiteten Nachricht", "Weitergeleitete E-Mail",
        ),
        forward_prefixes=("WG", "Wg", "Fwd", "Fw"),
        device=(
            "Von meinem … gesendet", "Gesendet von meinem …", "Gesendet von …", "Gesendet mit …",
            "Gesendet mit der … App", "Outlook für … beziehen",
            "Outlook für … herunterladen", "Holen Sie sich Outlook für …",
        ),
        sign_offs=(
            "Mit freundlichen Grüßen", "Mit freundlichen Grüssen", "Mit freundlichem Gruß",
            "Mit freundlichem Gruss", "Freundliche Grüße", "Freundliche Grüsse", "Viele Grüße",
            "Viele Grüsse", "Beste Grüße", "Beste Grüsse", "Liebe Grüße", "Liebe Grüsse", "Herzliche Grüße",
            "Herzliche Grüsse", "Schöne Grüße", "Schöne Grüsse", "Gruß", "Gruss", "Grüße", "Grüsse",
            "Viele Grüße aus", "MfG", "LG", "VG", "BG", "Beste Grüße aus",
        ),
        thanks=(
            "Danke", "Vielen Dank", "Danke schön", "Besten Dank", "Danke im Voraus", "Schönen Tag noch",
        ),
        and_=("und", "u.",),
        disclaimer=("vertraulich", "richtige adressat", "irrtümlich"),
    ),
    "fr": Language(
        wrote=("a écrit", "a ecrit", "écrit"),
        opens=("Le",),
        quoting=("Citation de",),
        from_=("De", "Expéditeur"),
        date=("Envoyé", "Envoyé le", "Date", "Message du"),
        to=("À", "A", "Pour", "Destinataire"),
        cc=("Cc", "Copie", "Copie à"),
        subject=("Objet", "Sujet"),
        original=("Message d'origine", "Message original", "Courriel original", "Message d’origine"),
        forwarded=(
            "Message transféré", "Début du message réexpédié", "Début du message transféré",
            "Courriel transféré",
        ),
        forward_prefixes=("TR", "Tr", "Fwd"),
        device=(
            "Envoyé de mon …", "Envoyé depuis mon …", "Envoyé depuis …", "Envoyé à partir de …",
            "Envoyé avec …", "Obtenir Outlook pour …", "Télécharger Outlook pour …",
        ),
        sign_offs=(
            "Cordialement", "Bien cordialement", "Très cordialement", "Salutations", "Sincères salutations",
            "Meilleures salutations", "Bien à vous", "Bien à toi", "Amicalement", "Amitiés", "Bises",
            "Bonne journée", "Bonne soirée", "À bientôt", "Cdlt", "Bàv",
        ),
        thanks=("Merci", "Merci beaucoup", "Merci d'avance", "Merci par avance", "Merci d’avance"),
        and_=("et",),
        disclaimer=("confidentiel", "par erreur"),
    ),
    "nl": Language(
        wrote=("schreef", "heeft geschreven", "geschreven"),
        opens=("Op",),
        wrote_first=("schreef",),
        from_=("Van", "Afzender"),
        date=("Verzonden", "Datum", "Verstuurd"),
        to=("Aan", "Ontvanger"),
        cc=("Cc", "Kopie"),
        subject=("Onderwerp",),
        original=("Oorspronkelijk bericht", "Origineel bericht", "Oorspronkelijk e-mailbericht"),
        forwarded=("Doorgestuurd bericht", "Begin doorgestuurd bericht", "Doorgestuurde e-mail"),
        forward_prefixes=("Doorst", "FW", "Fwd"),
        device=(
            "Verzonden vanaf mijn …", "Verzonden vanaf …", "Verzonden vanuit …", "Verstuurd vanaf mijn …",
            "Verstuurd vanaf …", "Verzonden met …", "Outlook voor … downloaden", "Download Outlook voor …",
        ),
        sign_offs=(
            "Met vriendelijke groet", "Met vriendelijke groeten", "Vriendelijke groet",
            "Vriendelijke groeten", "Hartelijke groet", "Hartelijke groeten", "Groet", "Groeten", "Groetjes",
            "Mvg", "M.v.g", "Gr",
        ),
        thanks=("Bedankt", "Dank je", "Dank u", "Dank je wel", "Alvast bedankt", "Hartelijk dank"),
        and_=("en",),
        disclaimer=("vertrouwelijk", "geadresseerde", "abusievelijk"),
    ),
    "pl": Language(
        wrote=("napisał", "napisała", "napisał(a)", "pisze", "nadesłał"),
        opens=("W dniu", "Dnia"),
        quoting=("Cytując", "Cytat"),
        from_=("Od", "Nadawca"),
        date=("Wysłano", "Wysłane", "Data"),
        to=("Do", "Adresat"),
        cc=("DW", "Kopia"),
        subject=("Temat",),
        original=("Wiadomość oryginalna", "Oryginalna wiadomość", "Oryginalny e-mail"),
        forwarded=(
            "Wiadomość przekazana dalej", "Przekazana wiadomość", "Początek przekazywanej wiadomości",
            "Przesłana wiadomość",
        ),
        forward_prefixes=("PD", "Fwd", "Fw"),
        device=(
            "Wysłane z mojego …", "Wysłane z …", "Wysłano z mojego …", "Wysłano z …",
            "Pobierz aplikację Outlook dla …", "Pobierz Outlook dla …",
        ),
        sign_offs=(
            "Pozdrawiam", "Z poważaniem", "Z powazaniem", "Pozdrowienia", "Serdecznie pozdrawiam",
            "Serdeczne pozdrowienia", "Z wyrazami szacunku", "Pozdrawiam serdecznie", "Pzdr",
        ),
        thanks=("Dziękuję", "Dzięki", "Z góry dziękuję", "Dziękuję bardzo"),
        and_=("i",),
        disclaimer=("poufn", "omyłkowo"),
    ),
    "es": Language(
        wrote=("escribió", "escribio", "ha escrito"),
        opens=("El",),
        quoting=("Citando",),
        from_=("De", "Remitente"),
        date=("Enviado", "Enviado el", "Fecha"),
        to=("Para", "Destinatario"),
        cc=("CC",),
        subject=("Asunto",),
        original=("Mensaje original", "Correo original"),
        forwarded=("Mensaje reenviado", "Inicio del mensaje reenviado", "Correo reenviado"),
        forward_prefixes=("RV", "Rv", "Reenviar", "Fwd"),
        device=("Enviado desde mi …", "Enviado desde …", "Enviado con …", "Obtener Outlook para …",
            "Descargar Outlook para …"),
        sign_offs=(
            "Saludos", "Un saludo", "Saludos cordiales", "Un cordial saludo", "Atentamente", "Cordialmente",
            "Un abrazo", "Muchos saludos", "Reciba un cordial saludo",
        ),
        thanks=("Gracias", "Muchas gracias", "Gracias de antemano", "Mil gracias"),
        and_=("y",),
        disclaimer=("confidencial", "por error"),
    ),
    "it": Language(
        wrote=("ha scritto", "scrive"),
        opens=("Il", "Il giorno", "In data"),
        from_=("Da", "Mittente"),
        date=("Inviato", "Data", "Inviato il"),
        to=("A", "Destinatario"),
        cc=("Cc",),
        subject=("Oggetto",),
        original=("Messaggio originale", "Messaggio Originale"),
        forwarded=("Messaggio inoltrato", "Inizio messaggio inoltrato", "Messaggio Inoltrato"),
        forward_prefixes=("I", "Inoltra", "Fwd"),
        device=("Inviato da …", "Inviato dal mio …", "Inviato con …", "Scarica Outlook per …",
            "Ottieni Outlook per …"),
        sign_offs=(
            "Cordiali saluti", "Distinti saluti", "Saluti", "Un saluto", "Cordialmente", "Un caro saluto",
            "Saluti cordiali", "A presto", "Buona giornata",
        ),
        thanks=("Grazie", "Grazie mille", "Grazie in anticipo"),
        and_=("e",),
        disclaimer=("riservat", "confidenzial", "per errore"),
    ),
    "pt": Language(
        wrote=("escreveu", "escreve"),
        opens=("Em", "No dia"),
        quoting=("Citando",),
        from_=("De", "Remetente"),
        date=("Enviado", "Enviada", "Enviado em", "Enviada em", "Data"),
        to=("Para",),
        cc=("Cc",),
        subject=("Assunto",),
        original=("Mensagem original", "Mensagem Original"),
        forwarded=(
            "Mensagem encaminhada", "Mensagem reencaminhada", "Início da mensagem reencaminhada",
            "Início da mensagem encaminhada",
        ),
        forward_prefixes=("ENC", "Enc", "Fwd"),
        device=(
            "Enviado do meu …", "Enviado a partir do meu …", "Enviado de meu …", "Enviado do …",
            "Obter o Outlook para …", "Baixe o Outlook para …", "Transferir o Outlook para …",
        ),
        sign_offs=(
            "Atenciosamente", "Cumprimentos", "Com os melhores cumprimentos", "Melhores cumprimentos",
            "Abraços", "Abraço", "Att", "Cordialmente", "Saudações", "Um abraço",
        ),
        thanks=("Obrigado", "Obrigada", "Muito obrigado", "Muito obrigada", "Desde já agradeço"),
        and_=("e",),
        disclaimer=("confidencia", "por engano"),
    ),
    "ru": Language(
        wrote=("написал", "написала", "написал(а)", "пишет", "писал"),
        from_=("От", "Отправитель"),
        date=("Отправлено", "Дата"),
        to=("Кому",),
        cc=("Копия",),
        subject=("Тема",),
        original=("Исходное сообщение", "Оригинальное сообщение"),
        forwarded=("Пересылаемое сообщение", "Пересланное сообщение", "Начало переадресованного сообщения"),
        forward_prefixes=("Пересл", "Fwd"),
        device=("Отправлено с …", "Отправлено из …", "Отправлено с моего …", "Получить Outlook для …",
            "Скачайте Outlook для …"),
        sign_offs=(
            "С уважением", "С наилучшими пожеланиями", "Всего доброго", "Всего хорошего", "С уважением и",
        ),
        thanks=("Спасибо", "Заранее спасибо", "Большое спасибо"),
        and_=("и",),
        disclaimer=("конфиденциальн", "по ошибке"),
    ),
    "uk": Language(
        wrote=("написав", "написала", "пише"),
        from_=("Від",),
        date=("Надіслано", "Дата"),
        to=("Кому",),
        cc=("Копія",),
        subject=("Тема",),
        original=("Вихідне повідомлення", "Оригінальне повідомлення"),
        forwarded=("Переслане повідомлення",),
        device=("Надіслано з …",),
        sign_offs=("З повагою", "З найкращими побажаннями"),
        thanks=("Дякую", "Щиро дякую"),
        and_=("і", "та",),
        disclaimer=("конфіденційн", "помилково"),
    ),
    "cs": Language(
        wrote=("napsal", "napsala", "napsal(a)"),
        opens=("Dne",),
        from_=("Od",),
        date=("Odesláno", "Datum"),
        to=("Komu",),
        cc=("Kopie",),
        subject=("Předmět",),
        original=("Původní zpráva", "Původní e-mail"),
        forwarded=("Přeposlaná zpráva", "Přeposlaný e-mail"),
        device=("Odesláno z mého …", "Odesláno z …"),
        sign_offs=("S pozdravem", "S úctou", "Zdraví"),
        thanks=("Děkuji", "Díky", "Děkujeme"),
        and_=("a",),
        disclaimer=("důvěrn", "omylem"),
    ),
    "hu": Language(
        wrote=("írta", "a következőt írta"),
        wrote_first=("írta",),
        from_=("Feladó",),
        date=("Elküldve", "Dátum", "Küldve"),
        to=("Címzett",),
        cc=("Másolat", "Másolatot kap"),
        subject=("Tárgy",),
        original=("Eredeti üzenet",),
        forwarded=("Továbbított üzenet",),
        device=("Elküldve …",),
        sign_offs=("Üdvözlettel", "Tisztelettel", "Üdv", "Udv", "Udvozlettel", "Baráti üdvözlettel"),
        thanks=("Köszönöm", "Koszonom", "Köszi"),
        and_=("és",),
    ),
    "tr": Language(
        wrote=("yazdı", "şunu yazdı"),
        from_=("Kimden",),
        date=("Gönderildi", "Tarih", "Gönderilme"),
        to=("Kime",),
        cc=("Bilgi",),
        subject=("Konu",),
        original=("Orijinal Mesaj", "Özgün ileti"),
        forwarded=("İletilen ileti", "İletilmiş mesaj"),
        device=("… gönderildi",),
        sign_offs=("Saygılarımla", "İyi çalışmalar"),
        thanks=("Teşekkürler", "Teşekkür ederim"),
        and_=("ve",),
    ),
    "ja": Language(
        wrote=("のメッセージ", "書きました"),
        from_=("差出人", "送信者"),
        date=("送信日時", "日付"),
        to=("宛先",),
        cc=("CC",),
        subject=("件名",),
        original=("元のメッセージ",),
        forwarded=("転送メッセージ",),
        device=("…から送信",),
    ),
    "zh": Language(
        wrote=("写道", "寫道"),
        from_=("发件人", "寄件者", "發件人"),
        date=("发送时间", "日期", "寄件日期", "發送時間"),
        to=("收件人", "收件者"),
        cc=("抄送", "副本"),
        subject=("主题", "主旨", "主題"),
        original=("原始邮件", "原始郵件"),
        forwarded=("转发邮件", "轉寄郵件"),
        device=("发自我的…", "从我的…发送"),
        sign_offs=("此致", "祝好", "谢谢"),
    ),
    "ko": Language(
        wrote=("작성", "님이 작성"),
        from_=("보낸 사람",),
        date=("보낸 날짜",),
        to=("받는 사람",),
        cc=("참조",),
        subject=("제목",),
        original=("원본 메시지",),
        forwarded=("전달된 메시지",),
        device=("나의 …에서 보냄",),
        sign_offs=("감사합니다",),
    ),
}
# fmt: on
