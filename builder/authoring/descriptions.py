"""Swedish explanations of every YAML key and enum value, for the editor schema's hover and completion.

Kept apart from builder/model.py so the model stays about validation: editor_schema.py injects
these texts when it writes the schema. A key means the same wherever it appears unless
``BY_MODEL`` says otherwise for one model (``team`` is a list in a samverkansrutin, an id in an
arbetsrutin). tests/test_editor_schema.py walks the schema and names any key or value that has
no text here, so a new model field cannot ship without one.
"""

from __future__ import annotations

# Key → explanation, wherever the key appears.
KEYS: dict[str, str] = {
    # Document
    "id": "Dokumentets id: små bokstäver a–z, siffror och bindestreck. Blir mapp- och filnamn "
          "och används när andra rutiner hänvisar hit.",
    "typ": "Vilken sorts rutin filen är: samverkansrutin eller arbetsrutin.",
    "titel": "Dokumentets titel, som den står överst i dokumentet.",
    "dokumenttyp": "Dokumenttyp enligt ledningssystemet, t.ex. Styrdokument eller Arbetsrutin.",
    "organisation": "Organisationen som står som utgivare i dokumentets sidhuvud.",
    "upprättat_av": "Vem som har skrivit rutinen (person, funktion eller arbetsgrupp).",
    "godkänt_av": "Organet som godkänner rutinen. Skrivs av `rutin approve`.",
    "uppdrag": "Uppdraget som rutinen bygger på.",
    "version": "Dokumentets version, siffror med punkt inom citattecken, t.ex. \"1.0\". Höj den "
               "vid varje ändring som ska fastställas. Det är rutinbibliotekets eget nummer; "
               "källans beteckning (\"B.2\") skrivs i källa.version.",
    "status": "Var i livscykeln dokumentet är. Bara `rutin approve` sätter fastställd och "
              "upphävd.",
    "datum_för_godkännande": "Dagen då rutinen fastställdes (ÅÅÅÅ-MM-DD). Skrivs av "
                             "`rutin approve`.",
    "giltig_från": "Första dagen rutinen gäller (ÅÅÅÅ-MM-DD); inte före datum för godkännande.",
    "giltig_till": "Sista dagen rutinen gäller (ÅÅÅÅ-MM-DD), om den har ett slutdatum.",
    "utvärdering": "När rutinen ska utvärderas: fasta månader eller ett intervall i månader. "
                   "`rutin status` varnar när utvärderingen närmar sig eller är försenad.",
    "ändringar": "Ändringshistoriken, nyaste först. Den aktuella versionen måste finnas med "
                 "(R403).",
    "ägare": "Äldre namn för processägare; läses och visas som \"Ägare\". Skriv hellre "
             "`processägare`.",
    "begrepp": "Förkortningar och begrepp med förklaring. Förkortningar som används i texten "
               "ska förklaras här (R405).",
    "avsnitt": "Dokumentets innehåll: avsnitt med rubrik, löptext, punkter och numrerade steg.",
    "bilagor": "Filer som hör till rutinen, med sökväg inom routines/.",
    "uppföljning": "Vem som ansvarar för uppföljningen av rutinen, hur den görs och när. "
                   "Obligatoriskt för arbetsrutiner (R201).",
    "fickkort": "Innehållet på teamets fickkort (85 × 55 mm): några korta rader och "
                "kontakter. Måste få plats (R501).",
    "samverkansrutin": "Id för samverkansrutinen som arbetsrutinen hör till.",
    # Evaluation
    "månader": "Månaderna då utvärderingen görs, t.ex. januari och augusti.",
    "intervall_månader": "Antal månader mellan utvärderingarna (1–60), t.ex. 12 för en gång "
                         "om året.",
    # Revision
    "datum": "Datum (ÅÅÅÅ-MM-DD).",
    "beskrivning": "Vad som ändrades i den här versionen.",
    # Steps and sections
    "villkor": "När alternativet gäller, t.ex. \"Om patienten har kommunal primärvård\".",
    "text": "Texten, i Markdown (fetstil, listor, länkar); rå HTML är inte tillåten (R106).",
    "ansvarig": "Vem som ansvarar: en roll, ett team eller en verksamhet.",
    "när": "När det ska göras, t.ex. \"När uppdraget påbörjas\".",
    "alternativ": "Alternativ inom steget (2a, 2b, 2c …), vart och ett med villkor och text.",
    "rubrik": "Avsnittets rubrik.",
    "punkter": "Punktlista: en rad per punkt.",
    "steg": "Numrerade steg i ordning; varje steg blir en rad i checklistan.",
    "not": "En not som visas i en ruta efter avsnittet, t.ex. \"Observera att …\".",
    "underavsnitt": "Avsnitt under det här avsnittet, med samma nycklar.",
    # Teams
    "namn": "Namnet, som det skrivs i dokumentet.",
    "förkortning": "Teamets förkortning, t.ex. NSVT; förklaras i `begrepp`.",
    "utgår_från": "Var teamet utgår från, t.ex. ett sjukhus eller en vårdcentral.",
    "arbetsrutin": "Arbetsrutinens namn som samverkansrutinen anger det (t.ex. i Bilagor).",
    # Follow-up
    "hur": "Hur uppföljningen görs, t.ex. genomgång av avvikelser på samverkansmöte.",
    "exempel": "true medan värdena är exempel som teamet ska ersätta; en rutin med exempel "
               "kan inte fastställas.",
    # Pocket card and contacts
    "kontakter": "Kontakter med namn, roll och telefonnummer.",
    "roll": "Kontaktens roll, t.ex. Sjuksköterska.",
    "telefon": "Telefonnummer, t.ex. 0701234567.",
    # Attachments
    "fil": "Sökväg till filen, relativ till rutinens mapp och inom routines/ (R303).",
    # Organisation
    "godkännande_organ": "Organen som får fastställa rutiner; `rutin approve --av` måste "
                         "ange ett av dem.",
    "publicerings_url": "Webbadressen där de publicerade dokumenten finns; fickkorten får en "
                        "QR-kod dit.",
    "tidsstämpel_url": "Tidsstämpeltjänst (RFC 3161); med den blir signaturerna PAdES B-T.",
    "betrodda_certifikat": "Rotcertifikat (PEM-filer inom routines/) som `rutin verify` litar "
                           "på.",
    "långtidsvalidering": "B-LT bäddar in certifikatkedja och spärrinformation (OCSP/CRL) i "
                          "PDF-signaturen, B-LTA även en dokumenttidsstämpel: signaturen går "
                          "att kontrollera efter att certifikatet gått ut.",
    "parter": "Ett gemensamt organs parter (organ-id): var och en medsignerar dokumenten.",
    "nyckel": "Var organets signeringsnyckel finns (PKCS#11-kort/HSM eller PKCS#12-fil). PIN "
              "och lösenord skrivs aldrig här: RUTIN_SIGN_PIN_<ID> / RUTIN_SIGN_PASSWORD_<ID>.",
    "pkcs11_modul": "Sökväg till PKCS#11-modulen för kortet eller HSM:en (.so-fil).",
    "token": "Etiketten på kortet eller HSM-partitionen (token label).",
    "nyckeletikett": "Etiketten på nyckeln och certifikatet i token (key label).",
    "pkcs12": "Sökväg till organets PKCS#12-fil (.p12) utanför förrådet.",
    # Document metadata shared by every branch (see the common brief for issue 12)
    "diarienummer": "Dokumentets diarienummer, som det står i källan.",
    "processägare": "Vem som äger processen som rutinen beskriver.",
    "granskare": "De som har granskat rutinen: en text eller en lista.",
    "fastställare": "Vem som får fastställa rutinen enligt källans huvudtabell (inte själva "
                    "beslutet, som står i godkänt_av eller fastställd_annan_instans).",
    "gäller_för": "Verksamheter, kommuner eller vårdcentraler som rutinen gäller för: en text "
                  "eller en lista. Visas också på startsidan.",
    "målgrupp": "Vilka rutinen vänder sig till.",
    "kontaktperson": "Vem man kontaktar med frågor om rutinen.",
    "ansvarig_för_revidering": "Vem som ansvarar för att rutinen revideras.",
    "beslutande_organ": "Organet som beslutar om rutinen.",
    "övriga_uppgifter": "Andra uppgifter från källan, som par av etikett och värde.",
    "etikett": "Uppgiftens etikett, t.ex. \"Giltighetsområde\".",
    "värde": "Uppgiftens värde, som det står i källan.",
    "ingress": "Inledande text under titeln, utan rubrik: Markdown, eller block i källans "
               "ordning (text, punkter, numrerad, ej_angivet) som importen skriver dem.",
    "numrerad": "En numrerad lista i ingressen, en punkt per rad (underpunkter som "
                "`{text: …, punkter: […]}`).",
    "källa": "Källdokumentet rutinen bygger på: version, datum, uppdaterad och referens, "
             "skrivna som i källan.",
    "uppdaterad": "När källan senast uppdaterades, som det står i källan.",
    "referens": "Referens, t.ex. ett protokoll eller en länk, som det står i källan.",
    "fastställd_annan_instans": "Beslutet när rutinen fastställts av en annan instans: organ, "
                                "datum och referens.",
    "organ": "Organet som fattade beslutet.",
    "enhet": "Kontaktens enhet eller verksamhet.",
    "epost": "E-postadress.",
    "tider": "När kontakten nås, t.ex. \"vardagar 8–17\".",
    "område": "Vilket område kontakten gäller.",
    "relaterade_dokument": "Andra dokument som rutinen hänvisar till, med titel och adress.",
    "url": "Webbadress.",
    "text_efter": "Text som visas efter avsnittets lista.",
    "kriterier": "Kriterier: hur många som minst ska vara uppfyllda, listan och en förklarande "
                 "text.",
    "minst": "Hur många av kriterierna som minst ska vara uppfyllda.",
    "lista": "Kriterierna, ett per rad.",
    "tomt_i_källan": "true när avsnittet bara har en rubrik i källan; visas som \"Avsnittet "
                     "är tomt i källan\" och ger en varning (R107).",
    "egen_arbetsrutin": "false när källan säger att teamet inte har någon egen arbetsrutin; då "
                        "kräver R301 ingen.",
    "egen_uppgift": "false när källan inte ger teamet något eget steg i rutinen eller dess "
                    "arbetsrutiner; då kräver R204 inget.",
    "ej_angivet": "Källan anger inte värdet; skälet kan skrivas här. Visas som \"Ej angivet\".",
}

# Keys whose meaning depends on the block they are in: model name → key → explanation.
BY_MODEL: dict[str, dict[str, str]] = {
    "PreambleBlock": {
        "text": "Ett stycke i ingressen (Markdown).",
        "punkter": "En punktlista i ingressen.",
        "ej_angivet": "En del som källan namnger men lämnar tom: dess etikett, eller true. "
                      "Visas som \"Etikett: Ej angivet\".",
    },
    "Samverkansrutin": {
        "team": "Teamen som samverkansrutinen omfattar; vart och ett har en arbetsrutin "
                "(R301), om inte samverkansrutinen själv bär uppföljningen.",
    },
    "Arbetsrutin": {
        "team": "Id för teamet i samverkansrutinens `team`-lista.",
    },
    "FollowUp": {
        "team": "Teamets id, när samverkansrutinen omfattar ett enda team och själv bär "
                "uppföljningen.",
        "ansvarig": "Vem som ansvarar för uppföljningen (en roll eller funktion, inte TODO).",
        "när": "När uppföljningen görs, t.ex. \"Inför utvärderingen i januari och augusti\".",
    },
    "Revision": {
        "version": "Versionen som ändringen gäller, inom citattecken, t.ex. \"1.0\".",
        "datum": "Dagen då versionen skrevs eller fastställdes (ÅÅÅÅ-MM-DD).",
    },
    "TeamEntry": {
        "id": "Teamets id; arbetsrutinen anger samma id i `team`.",
        "namn": "Teamets namn, t.ex. Närsjukvårdsteam.",
        "utgår_från": "Var teamet utgår från: en text eller en lista, t.ex. [SÄS, Alingsås "
                      "lasarett].",
    },
    "SourceInfo": {
        "version": "Källans egen versionsbeteckning, som den står (\"B.2\", \"Utgåva 3\"); "
                   "verktygets `version` står kvar.",
        "datum": "Källans datum som det står, även ofullständigt (\"Oktober 2021\").",
    },
    "ApprovedElsewhere": {
        "datum": "Beslutsdatum som det står i källan, även ofullständigt (\"Oktober 2021\").",
        "referens": "Beslutets referens, t.ex. protokoll eller diarienummer.",
    },
    "Criteria": {
        "text": "Regeln med källans egna ord (\"Minst fyra av ovanstående sex …\"); utan den "
                "formuleras regeln från `minst`.",
        "minst": "Hur många av kriterierna som minst ska vara uppfyllda (1 till antalet, R108).",
    },
    "DocumentContact": {
        "namn": "Kontaktens namn, eller ej_angivet; en kontakt anger namn, roll eller enhet.",
        "telefon": "Telefonnummer; skrivs ut på ett sätt överallt (0322-61 60 00).",
    },
    "Bullet": {
        "text": "Punktens text (Markdown).",
        "punkter": "Underpunkter till punkten.",
    },
    "RelatedDocument": {
        "titel": "Dokumentets titel.",
        "url": "Webbadress till dokumentet (valfri; ingen fil).",
    },
    "Attachment": {
        "titel": "Bilagans titel, som den visas i dokumentet.",
    },
    "Contact": {
        "namn": "Kontaktens namn eller funktion, t.ex. Jourhavande läkare.",
    },
    "PocketCard": {
        "punkter": "Fickkortets rader: korta, en sak per rad. Skriv varje rad som "
                   "{steg: \"2a\", text: …, avtryck: …} så att den följer sitt steg (R503–R505).",
    },
    "CardPoint": {
        "text": "Radens text på kortet: stegets fakta i kort form (villkor, vem, samtycke …).",
        "steg": "Steget raden kommer från, t.ex. \"1\" eller \"2a\" för ett alternativ.",
        "avsnitt": "Rubriken på avsnittet raden kommer från (eller vars steglista avses).",
        "not": "true när raden kommer från avsnittets not (Observera …).",
        "avtryck": "Avtryck av stegets text när raden skrevs; rutin check anger värdet (R505) "
                   "och säger till när steget ändrats sedan dess (R504).",
    },
    "Step": {
        "text": "Vad som görs i steget (Markdown).",
        "ansvarig": "Vem som gör steget; saknas den ges en varning (R202).",
    },
    "Alternative": {
        "text": "Vad som görs när villkoret gäller (Markdown).",
        "tillägg": "true när alternativet görs utöver det av de andra som gäller (\"Vid behov "
                   "…\"), inte i stället för dem; checklistan visar det då som en egen rad, "
                   "utanför \"Välj det som gäller\". Ett villkor som börjar med \"Vid behov\" "
                   "räknas som tillägg utan nyckeln; false säger motsatsen.",
    },
    "Section": {
        "text": "Avsnittets löptext i Markdown; rå HTML är inte tillåten (R106).",
        "ej_angivet": "Delar som källan namnger men lämnar tomma (\"Ansvarig läkare:\" utan "
                      "något efter): en etikett, en lista med etiketter, eller true. Visas "
                      "som \"Ansvarig läkare: Ej angivet\".",
    },
    "Organisation": {
        "namn": "Organisationens namn, t.ex. Närvårdssamverkan.",
        "kräver_utvärdering": "true när regionens regler kräver att varje fastställd rutin "
                              "anger `utvärdering` eller `giltig_till` (t.ex. VGR: giltig i "
                              "högst fem år); regel R416 är då ett fel i stället för en "
                              "varning.",
    },
    "ApprovingBody": {
        "id": "Organets id, som `rutin approve --av` kan ange.",
        "namn": "Organets namn, som det står i dokumentet, t.ex. Samordningsgruppen.",
    },
}

# Enum value → explanation (status, typ, months and the not-stated marker).
VALUES: dict[str, str] = {
    "samverkansrutin": "Samverkansrutin: samverkan mellan sjukhus, primärvård och kommun; "
                       "listar teamen i `team`.",
    "arbetsrutin": "Arbetsrutin: ett teams arbete enligt en samverkansrutin; anger `team`, "
                   "`samverkansrutin` och `uppföljning`.",
    "utkast": "Utkast: under arbete; dokumenten får vattenstämpeln \"UTKAST – ej fastställd\".",
    "granskning": "Under granskning hos samordningsgruppen; fortfarande vattenstämpel.",
    "fastställd": "Fastställd: beslutad och registrerad med `rutin approve`; dokumenten signeras.",
    "upphävd": "Upphävd: gäller inte längre (`rutin approve --upphäv`).",
    "fastställd_annan_instans": "Fastställd av en annan instans; beslutet står i "
                                "`fastställd_annan_instans`.",
    "i_bruk_enligt_källan": "I bruk enligt källan: dokumentet används där det kommer ifrån, "
                            "men källan anger inget beslut. Visas som gällande med \"Beslut: "
                            "ej angivet i källan\", utan vattenstämpel och utan läskvittens.",
    "egen_uppgift": "false när källan inte ger teamet något eget steg i rutinen eller dess "
                    "arbetsrutiner; då kräver R204 inget.",
    "ej_angivet": "Källan anger inte värdet; visas som \"Ej angivet\".",
    "B-LT": "PAdES B-LT: certifikatkedja och spärrinformation inbäddade.",
    "B-LTA": "PAdES B-LTA: som B-LT plus en dokumenttidsstämpel över allt.",
    "januari": "Utvärdering i januari.",
    "februari": "Utvärdering i februari.",
    "mars": "Utvärdering i mars.",
    "april": "Utvärdering i april.",
    "maj": "Utvärdering i maj.",
    "juni": "Utvärdering i juni.",
    "juli": "Utvärdering i juli.",
    "augusti": "Utvärdering i augusti.",
    "september": "Utvärdering i september.",
    "oktober": "Utvärdering i oktober.",
    "november": "Utvärdering i november.",
    "december": "Utvärdering i december.",
}

# Short YAML examples shown under the explanation (markdownDescription) where they help.
EXAMPLES: dict[str, str] = {
    "id": "id: narsjukvardsteam",
    "version": 'version: "1.1"',
    "status": "status: utkast",
    "utvärdering": "utvärdering:\n  månader: [januari, augusti]\n# eller\nutvärdering:\n"
                   "  intervall_månader: 12",
    "ändringar": 'ändringar:\n  - {version: "1.1", datum: 2026-09-01, beskrivning: Nytt steg 3}\n'
                 '  - {version: "1.0", datum: 2026-05-29, beskrivning: Ny rutin}',
    "begrepp": "begrepp:\n  SIP: Samordnad individuell plan\n  NSVT: Närsjukvårdsteam",
    "avsnitt": "avsnitt:\n  - rubrik: Syfte\n    text: Syftet med rutinen är att …",
    "uppföljning": "uppföljning:\n  ansvarig: Teamets enhetschef\n"
                   "  hur: Genomgång av avvikelser på samverkansmöte\n"
                   "  när: Inför utvärderingen i januari och augusti",
    "fickkort": "fickkort:\n  punkter: [Kontakta vårdcentralen via SAMSA]\n"
                "  kontakter: [{namn: Teamet, telefon: 0701234567}]",
    "steg": "steg:\n  - {text: Skicka meddelande i SAMSA., ansvarig: NSVT}\n  - alternativ:\n"
            "      - {villkor: Om patienten har kommunal primärvård, text: …, "
            "ansvarig: Kommunen}",
    "alternativ": "alternativ:\n  - {villkor: Om patienten har kommunal primärvård, text: …}\n"
                  "  - {villkor: Om patienten inte har det, text: …}",
    "bilagor": "bilagor:\n  - {titel: Blankett, fil: bilagor/blankett.pdf}",
    "giltig_från": "giltig_från: 2026-06-01",
    "datum_för_godkännande": "datum_för_godkännande: 2026-05-29",
    "intervall_månader": "intervall_månader: 12",
    "månader": "månader: [januari, augusti]",
}

# The Swedish message an editor shows when a value does not match its pattern, by pattern.
PATTERN_MESSAGES: dict[str, str] = {
    r"^[a-z0-9][a-z0-9-]{0,79}$": "Ett id får bara innehålla små bokstäver a–z, siffror och "
                                  "bindestreck (högst 80 tecken), t.ex. narsjukvardsteam.",
    r"^[0-9]+(\.[0-9]+){0,2}$": "Versionen ska vara siffror med punkt, t.ex. \"1.0\".",
    r"^[1-9][0-9]{0,2}[a-z]?$": "Stegets nummer, med bokstav för ett alternativ: \"1\" eller "
                                "\"2a\".",
    r"^[0-9a-f]{8}$": "Avtrycket är åtta tecken 0–9 och a–f, som rutin check anger det.",
    r"\S": "Värdet får inte vara tomt eller bara blanksteg; skriv ej_angivet om källan inte "
           "anger det.",
}
DATE_MESSAGE = "Skriv datumet som ÅÅÅÅ-MM-DD med ett datum som finns, t.ex. 2026-05-29."
INTEGER_MESSAGE = "Skriv ett heltal, t.ex. 12."
BOOLEAN_MESSAGE = "Skriv true eller false."


def describe_key(model: str, key: str) -> str | None:
    """The explanation of ``key`` inside ``model`` (a $defs name), or None when there is none."""
    return BY_MODEL.get(model, {}).get(key) or KEYS.get(key)
