"""One line (or header block) of every attribution, header, separator and device form, as the clients
write them: the documentation of ``helpdesk.mail.reply_phrases`` and the input of its test. Data only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientForm:
    client: str
    language: str
    kind: str  # "attribution", "header", "original", "forward", "device", "sign_off"
    example: str


# One line (or block) of every form, exactly as the client writes it. The examples are the
# documentation of the table above and a test's input: each must be read as the kind it says.
# fmt: off
CLIENT_FORMS: tuple[ClientForm, ...] = (
    ClientForm(
        "Gmail", "en", "attribution",
        "On Tue, Mar 5, 2024 at 10:15 AM Nordlager Support <s@n.example> wrote:"
    ),
    ClientForm(
        "Gmail", "sv", "attribution",
        "Den tis 5 mars 2024 kl 10:15 skrev Nordlager Support <s@n.example>:"
    ),
    ClientForm(
        "Gmail", "no", "attribution",
        "tir. 5. mar. 2024 kl. 10:15 skrev Nordlager Support <s@n.example>:"
    ),
    ClientForm(
        "Gmail", "da", "attribution",
        "tir. 5. mar. 2024 kl. 10.15 skrev Nordlager Support <s@n.example>:"
    ),
    ClientForm(
        "Gmail", "fi", "attribution",
        "ti 5.3.2024 klo 10.15 Nordlager Support (s@n.example) kirjoitti:"
    ),
    ClientForm(
        "Gmail", "de", "attribution",
        "Am Di., 5. März 2024 um 10:15 Uhr schrieb Nordlager Support <s@n.example>:"
    ),
    ClientForm(
        "Gmail", "de", "attribution",
        "Nordlager Support <s@n.example> schrieb am Di., 5. März 2024, 10:15:"
    ),
    ClientForm(
        "Gmail", "fr", "attribution",
        "Le mar. 5 mars 2024 à 10:15, Nordlager Support <s@n.example> a écrit :"
    ),
    ClientForm(
        "Gmail", "nl", "attribution",
        "Op di 5 mrt 2024 om 10:15 schreef Nordlager Support <s@n.example>:"
    ),
    ClientForm(
        "Gmail", "pl", "attribution",
        "wt., 5 mar 2024 o 10:15 Nordlager Support <s@n.example> napisał(a):"
    ),
    ClientForm(
        "Gmail", "es", "attribution",
        "El mar, 5 mar 2024 a las 10:15, Nordlager Support (<s@n.example>) escribió:"
    ),
    ClientForm(
        "Gmail", "it", "attribution",
        "Il giorno mar 5 mar 2024 alle ore 10:15 Nordlager Support <s@n.example> ha scritto:"
    ),
    ClientForm(
        "Gmail", "pt", "attribution",
        "Em ter., 5 de mar. de 2024 às 10:15, Nordlager Support <s@n.example> escreveu:"
    ),
    ClientForm("Gmail", "ru", "attribution", "вт, 5 мар. 2024 г. в 10:15, Nordlager Support <s@n.example>:"),
    ClientForm(
        "Gmail", "uk", "attribution",
        "вт, 5 бер. 2024 р. о 10:15 Nordlager Support <s@n.example> пише:"
    ),
    ClientForm(
        "Gmail", "cs", "attribution",
        "út 5. 3. 2024 v 10:15 odesílatel Nordlager Support <s@n.example> napsal:"
    ),
    ClientForm(
        "Gmail", "hu", "attribution",
        "Nordlager Support <s@n.example> ezt írta (időpont: 2024. márc. 5., K, 10:15):"
    ),
    ClientForm(
        "Gmail", "tr", "attribution",
        "Nordlager Support <s@n.example>, 5 Mar 2024 Sal, 10:15 tarihinde şunu yazdı:"
    ),
    ClientForm("Gmail", "zh", "attribution", "Nordlager Support <s@n.example> 于2024年3月5日 10:15写道："),
    ClientForm("Gmail", "ja", "attribution", "2024年3月5日(火) 10:15 Nordlager Support <s@n.example>:"),
    ClientForm(
        "Apple Mail", "en", "attribution",
        "On 5 Mar 2024, at 10:15, Nordlager Support <s@n.example> wrote:"
    ),
    ClientForm(
        "Apple Mail", "sv", "attribution",
        "5 mars 2024 kl. 10:15 skrev Nordlager Support <s@n.example>:"
    ),
    ClientForm(
        "Apple Mail", "de", "attribution",
        "Am 05.03.2024 um 10:15 schrieb Nordlager Support <s@n.example>:"
    ),
    ClientForm("Thunderbird", "sv", "attribution", "Den 2024-03-05 kl. 10:15, skrev Nordlager Support:"),
    ClientForm("Thunderbird", "fr", "attribution", "Le 05/03/2024 à 10:15, Nordlager Support a écrit :"),
    ClientForm("Thunderbird", "pl", "attribution", "W dniu 5.03.2024 o 10:15, Nordlager Support pisze:"),
    ClientForm("Thunderbird", "ru", "attribution", "05.03.2024 10:15, Nordlager Support пишет:"),
    ClientForm(
        "Yahoo", "en", "attribution",
        "On Tuesday, March 5, 2024, 10:15:00 AM GMT+1, Nordlager Support <s@n.example> wrote:"
    ),
    ClientForm("Zoho", "en", "attribution", "---- On Tue, 05 Mar 2024 10:15:00 +0100 s@n.example wrote ----"),
    ClientForm(
        "Onet/Interia", "pl", "attribution",
        "Dnia 5 marca 2024 10:15 Nordlager Support <s@n.example> napisał(a):"
    ),
    ClientForm("Yandex", "ru", "attribution", "05.03.2024, 10:15, \"Nordlager Support\" <s@n.example>:"),
    ClientForm("Horde", "de", "attribution", "Zitat von Nordlager Support <s@n.example>:"),
    ClientForm(
        "Outlook", "en", "header",
        "From: Nordlager Support <s@n.example>\n"
        "Sent: Tuesday, March 5, 2024 10:15 AM\n"
        "To: Anna Berg\n"
        "Subject: RE: Order 100231"
    ),
    ClientForm(
        "Outlook", "sv", "header",
        "Från: Nordlager Support <s@n.example>\n"
        "Skickat: den 5 mars 2024 10:15\n"
        "Till: Anna Berg\n"
        "Ämne: SV: Order 100231"
    ),
    ClientForm(
        "Outlook", "no", "header",
        "Fra: Nordlager Support <s@n.example>\n"
        "Sendt: tirsdag 5. mars 2024 10:15\n"
        "Til: Anna Berg\n"
        "Emne: SV: Order 100231"
    ),
    ClientForm(
        "Outlook", "da", "header",
        "Fra: Nordlager Support <s@n.example>\n"
        "Sendt: 5. marts 2024 10:15\n"
        "Til: Anna Berg\n"
        "Emne: SV: Order 100231"
    ),
    ClientForm(
        "Outlook", "fi", "header",
        "Lähettäjä: Nordlager Support <s@n.example>\n"
        "Lähetetty: tiistai 5. maaliskuuta 2024 10.15\n"
        "Vastaanottaja: Anna Berg\n"
        "Aihe: VS: Order 100231"
    ),
    ClientForm(
        "Outlook", "de", "header",
        "Von: Nordlager Support <s@n.example>\n"
        "Gesendet: Dienstag, 5. März 2024 10:15\n"
        "An: Anna Berg\n"
        "Betreff: AW: Order 100231"
    ),
    ClientForm(
        "Outlook", "fr", "header",
        "De : Nordlager Support <s@n.example>\n"
        "Envoyé : mardi 5 mars 2024 10:15\n"
        "À : Anna Berg\n"
        "Objet : RE: Order 100231"
    ),
    ClientForm(
        "Outlook", "nl", "header",
        "Van: Nordlager Support <s@n.example>\n"
        "Verzonden: dinsdag 5 maart 2024 10:15\n"
        "Aan: Anna Berg\n"
        "Onderwerp: RE: Order 100231"
    ),
    ClientForm(
        "Outlook", "pl", "header",
        "Od: Nordlager Support <s@n.example>\n"
        "Wysłano: wtorek, 5 marca 2024 10:15\n"
        "Do: Anna Berg\n"
        "Temat: RE: Order 100231"
    ),
    ClientForm(
        "Outlook", "es", "header",
        "De: Nordlager Support <s@n.example>\n"
        "Enviado el: martes, 5 de marzo de 2024 10:15\n"
        "Para: Anna Berg\n"
        "Asunto: RE: Order 100231"
    ),
    ClientForm(
        "Outlook", "it", "header",
        "Da: Nordlager Support <s@n.example>\n"
        "Inviato: martedì 5 marzo 2024 10:15\n"
        "A: Anna Berg\n"
        "Oggetto: R: Order 100231"
    ),
    ClientForm(
        "Outlook", "pt", "header",
        "De: Nordlager Support <s@n.example>\n"
        "Enviada em: terça-feira, 5 de março de 2024 10:15\n"
        "Para: Anna Berg\n"
        "Assunto: RE: Order 100231"
    ),
    ClientForm(
        "Outlook", "ru", "header",
        "От: Nordlager Support <s@n.example>\n"
        "Отправлено: 5 марта 2024 г. 10:15\n"
        "Кому: Anna Berg\n"
        "Тема: RE: Order 100231"
    ),
    ClientForm(
        "Outlook", "cs", "header",
        "Od: Nordlager Support <s@n.example>\n"
        "Odesláno: 5. března 2024 10:15\n"
        "Komu: Anna Berg\n"
        "Předmět: RE: Order 100231"
    ),
    ClientForm(
        "Outlook", "hu", "header",
        "Feladó: Nordlager Support <s@n.example>\n"
        "Elküldve: 2024. március 5. 10:15\n"
        "Címzett: Anna Berg\n"
        "Tárgy: RE: Order 100231"
    ),
    ClientForm(
        "Outlook", "zh", "header",
        "发件人: Nordlager Support <s@n.example>\n"
        "发送时间: 2024年3月5日 10:15\n"
        "收件人: Anna Berg\n"
        "主题: 回复: Order 100231"
    ),
    ClientForm(
        "GMX/web.de", "de", "header",
        "Gesendet: Dienstag, 05. März 2024 um 10:15 Uhr\n"
        "Von: \"Nordlager Support\" <s@n.example>\n"
        "An: anna@example.de\n"
        "Betreff: Order 100231"
    ),
    ClientForm(
        "Orange", "fr", "header",
        "Message du 05/03/24 10:15\n"
        "De : \"Nordlager Support\" <s@n.example>\n"
        "A : anna@example.fr\n"
        "Copie à : \n"
        "Objet : Order 100231"
    ),
    ClientForm("Outlook", "en", "original", "-----Original Message-----"),
    ClientForm("Outlook", "sv", "original", "-----Ursprungligt meddelande-----"),
    ClientForm("Outlook", "da", "original", "-----Oprindelig meddelelse-----"),
    ClientForm("Outlook", "de", "original", "-----Ursprüngliche Nachricht-----"),
    ClientForm("Outlook", "fr", "original", "-----Message d'origine-----"),
    ClientForm("Outlook", "nl", "original", "-----Oorspronkelijk bericht-----"),
    ClientForm("Outlook", "es", "original", "-----Mensaje original-----"),
    ClientForm("Outlook", "it", "original", "-----Messaggio originale-----"),
    ClientForm("Outlook", "pt", "original", "-----Mensagem original-----"),
    ClientForm("Outlook", "pl", "original", "-----Wiadomość oryginalna-----"),
    ClientForm("Outlook", "fi", "original", "-----Alkuperäinen viesti-----"),
    ClientForm("Outlook", "no", "original", "-----Opprinnelig melding-----"),
    ClientForm("Outlook", "ru", "original", "-----Исходное сообщение-----"),
    ClientForm("Samsung Email", "en", "original", "-------- Original message --------"),
    ClientForm("Seznam", "cs", "original", "---------- Původní e-mail ----------"),
    ClientForm("Gmail", "en", "forward", "---------- Forwarded message ---------"),
    ClientForm("Gmail", "sv", "forward", "---------- Vidarebefordrat meddelande ---------"),
    ClientForm("Gmail", "de", "forward", "---------- Weitergeleitete Nachricht ---------"),
    ClientForm("Gmail", "fr", "forward", "---------- Message transféré ---------"),
    ClientForm("Gmail", "nl", "forward", "---------- Doorgestuurd bericht ---------"),
    ClientForm("Gmail", "es", "forward", "---------- Mensaje reenviado ---------"),
    ClientForm("Gmail", "it", "forward", "---------- Messaggio inoltrato ---------"),
    ClientForm("Gmail", "pt", "forward", "---------- Mensagem encaminhada ---------"),
    ClientForm("Gmail", "pl", "forward", "---------- Wiadomość przekazana dalej ---------"),
    ClientForm("Gmail", "da", "forward", "---------- Videresendt meddelelse ----------"),
    ClientForm("Gmail", "no", "forward", "---------- Videresendt melding ----------"),
    ClientForm("Gmail", "fi", "forward", "---------- Välitetty viesti ----------"),
    ClientForm("Gmail", "ru", "forward", "---------- Пересылаемое сообщение ---------"),
    ClientForm("Thunderbird", "en", "forward", "-------- Forwarded Message --------"),
    ClientForm("Apple Mail", "en", "forward", "Begin forwarded message:"),
    ClientForm("Apple Mail", "sv", "forward", "Vidarebefordrat brev:"),
    ClientForm("Apple Mail", "de", "forward", "Anfang der weitergeleiteten Nachricht:"),
    ClientForm("Apple Mail", "fr", "forward", "Début du message réexpédié :"),
    ClientForm("Apple Mail", "es", "forward", "Inicio del mensaje reenviado:"),
    ClientForm("Apple Mail", "it", "forward", "Inizio messaggio inoltrato:"),
    ClientForm("Apple Mail", "pt", "forward", "Início da mensagem reencaminhada:"),
    ClientForm("Apple Mail", "nl", "forward", "Begin doorgestuurd bericht:"),
    ClientForm("iOS Mail", "en", "device", "Sent from my iPhone"),
    ClientForm("iOS Mail", "sv", "device", "Skickat från min iPhone"),
    ClientForm("iOS Mail", "no", "device", "Sendt fra min iPhone"),
    ClientForm("iOS Mail", "fi", "device", "Lähetetty iPhonesta"),
    ClientForm("iOS Mail", "de", "device", "Von meinem iPhone gesendet"),
    ClientForm("iOS Mail", "fr", "device", "Envoyé de mon iPhone"),
    ClientForm("iOS Mail", "nl", "device", "Verstuurd vanaf mijn iPhone"),
    ClientForm("iOS Mail", "pl", "device", "Wysłane z iPhone'a"),
    ClientForm("iOS Mail", "es", "device", "Enviado desde mi iPhone"),
    ClientForm("iOS Mail", "it", "device", "Inviato da iPhone"),
    ClientForm("iOS Mail", "pt", "device", "Enviado do meu iPhone"),
    ClientForm("iOS Mail", "ru", "device", "Отправлено с iPhone"),
    ClientForm("iOS Mail", "ja", "device", "iPhoneから送信"),
    ClientForm("iOS Mail", "zh", "device", "发自我的iPhone"),
    ClientForm("Outlook mobile", "en", "device", "Get Outlook for iOS<https://aka.ms/o0ukef>"),
    ClientForm("Outlook mobile", "sv", "device", "Hämta Outlook för Android"),
    ClientForm("Outlook mobile", "de", "device", "Outlook für Android beziehen"),
    ClientForm("Outlook mobile", "fr", "device", "Télécharger Outlook pour Android"),
    ClientForm("Outlook mobile", "da", "device", "Hent Outlook til iOS"),
    ClientForm("Outlook mobile", "de", "device", "Outlook für Android herunterladen"),
    ClientForm("Outlook mobile", "es", "device", "Descargar Outlook para Android"),
    ClientForm("Outlook mobile", "it", "device", "Ottieni Outlook per iOS"),
    ClientForm("Outlook mobile", "nl", "device", "Download Outlook voor Android"),
    ClientForm("Outlook mobile", "pt", "device", "Baixe o Outlook para Android"),
    ClientForm("Outlook mobile", "ru", "device", "Скачайте Outlook для Android"),
    ClientForm("Samsung Email", "en", "device", "Sent from my Samsung Galaxy smartphone."),
    ClientForm("Samsung Email", "de", "device", "Von meinem Samsung Galaxy Smartphone gesendet."),
    ClientForm("Windows Mail", "en", "device", "Sent from Mail for Windows"),
    ClientForm("Windows Mail", "de", "device", "Gesendet von Mail für Windows"),
    ClientForm("Yahoo", "en", "device", "Sent from Yahoo Mail on Android"),
    ClientForm("Proton Mail", "en", "device", "Sent with Proton Mail secure email."),
    ClientForm("TypeApp", "en", "device", "Sent from TypeApp<http://www.typeapp.com/r?b=2621>"),
)
# fmt: on
