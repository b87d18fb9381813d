"""What each rule checks and how an author fixes a finding, in Swedish (SARIF fullDescription/help).

The one-line summaries stay with the rules (builder/rules); these longer texts follow the rule
table in README.md. tests/test_sarif.py names any rule `rutin check` knows without a text here.
"""

from __future__ import annotations

from typing import NamedTuple


class RuleHelp(NamedTuple):
    """Swedish help for one rule, shown by SARIF viewers such as GitHub code scanning."""

    full: str  # what the rule checks
    fix: str  # what the author does about a finding


RULE_HELP: dict[str, RuleHelp] = {
    "R100": RuleHelp(
        "Filen går att läsa: giltig YAML-syntax, UTF-8 (med eller utan BOM), högst 1 MB och "
        "inte för djupt nästlad.",
        "Rätta raden som anges: kontrollera indrag (mellanslag, inte tabbar), kolon efter "
        "nycklar och citattecken. Spara filen som UTF-8."),
    "R101": RuleHelp(
        "Schemat följs: obligatoriska nycklar finns och varje värde har rätt typ och ett "
        "tillåtet värde.",
        "Meddelandet säger vilken nyckel som saknas eller vilket värde som är fel och vilka "
        "värden som är tillåtna. Med schemaraden överst i filen visar redigeraren samma sak."),
    "R102": RuleHelp(
        "Okänd nyckel: nyckeln finns inte i rutinformatet; meddelandet föreslår den närmaste.",
        "Stava nyckeln som förslaget säger, eller ta bort den."),
    "R103": RuleHelp(
        "Dubbel nyckel: samma nyckel står två gånger i samma block.",
        "Ta bort den ena förekomsten eller slå ihop dem."),
    "R104": RuleHelp(
        "Ogiltigt datum: datum skrivs ÅÅÅÅ-MM-DD och måste finnas i kalendern.",
        "Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2026-05-29, och kontrollera att dagen finns."),
    "R105": RuleHelp(
        "YAML-ankare (&), alias (*) och taggar (!) är inte tillåtna.",
        "Skriv ut värdet där det behövs i stället för ankare och alias, och ta bort taggen."),
    "R106": RuleHelp(
        "Rå HTML i text är inte tillåten; text skrivs i Markdown.",
        "Ersätt HTML med Markdown: **fetstil**, *kursiv*, listor med - och länkar med "
        "[text](adress)."),
    "R107": RuleHelp(
        "Ett avsnitt som bara har en rubrik i källan är markerat tomt_i_källan: true, och ett "
        "markerat avsnitt har inget innehåll.",
        "Skriv avsnittets innehåll, eller markera det med tomt_i_källan: true om källan lämnar "
        "det tomt (det visas då som ”Avsnittet är tomt i källan”)."),
    "R108": RuleHelp(
        "Kriterier: minst är ett tal från 1 till antalet kriterier i lista.",
        "Rätta minst så att det går ihop med listan, eller komplettera listan med de kriterier "
        "källan anger."),
    "R109": RuleHelp(
        "Ingen text innehåller TODO, FIXME eller TBD (varning i ett utkast, fel i en gällande "
        "rutin).",
        "Skriv texten färdigt; det rutin new lämnar som TODO ska ersättas innan rutinen "
        "fastställs."),
    "R110": RuleHelp(
        "Länkar och bilder i text stannar inom rutinen: ingen extern adress (http:, https:, "
        "file: …), ingen absolut sökväg och inget '..'; mailto: och tel: går bra.",
        "Ta bort länken eller bilden, eller ange externa dokument under "
        "'relaterade_dokument'. Sådana länkar visas som vanlig text i utdata."),
    "R111": RuleHelp(
        "Varje tecken i texten finns i något installerat typsnitt, så att PDF:en kan visa det.",
        "Ta bort tecknet (t.ex. en emoji) eller installera ett typsnitt som har det, t.ex. "
        "Debian-paketen fonts-noto-core eller fonts-noto-cjk."),
    "R112": RuleHelp(
        "Rutinen håller sig inom de dokumenterade gränserna: 200 avsnitt, 500 steg och "
        "20 000 tecken i ett textvärde.",
        "Dela upp rutinen i flera rutiner, eller texten i flera avsnitt."),
    "R113": RuleHelp(
        "Inget ord är längre än 80 tecken; längre ord bryts var som helst på sidan.",
        "Kontrollera att ordet inte är ett skrivfel (saknade mellanslag); en lång adress kan "
        "stå under 'relaterade_dokument'."),
    "R201": RuleHelp(
        "Arbetsrutinen anger uppföljningsansvar: ansvarig, hur och när. Inget värde får se ut "
        "som en platshållare: tomt, bara skiljetecken, TODO, ”saknas”, ”N/A”, ”okänt”, ”?”, "
        "”-”, ”xxx”, ”Ej angivet i källan”.",
        "Fyll i uppföljning med ansvarig (en roll eller funktion), hur uppföljningen görs och "
        "när den görs. Anger källan inte ett värde, skriv ej_angivet (eller {ej_angivet: "
        "skäl}) i stället för en platshållare."),
    "R203": RuleHelp(
        "Uppföljningens ansvarig, hur och när och stegens ansvarig är inte ej_angivet: en "
        "varning i ett utkast, ett fel i en fastställd rutin, och rutin approve vägrar.",
        "Ta reda på vem som följer upp, hur och när, och vem som utför steget, och skriv in "
        "det innan rutinen fastställs."),
    "R202": RuleHelp(
        "Varje steg anger vem som utför det (ansvarig).",
        "Lägg till ansvarig i steget: en roll, ett team eller en verksamhet."),
    "R204": RuleHelp(
        "En samverkansrutin med steg ger varje team den listar en uppgift: teamet är ansvarig "
        "i minst ett steg i rutinen eller i någon av dess arbetsrutiner.",
        "Ange teamet som ansvarig i det steg där det gör något. Ger källan teamet ingen egen "
        "uppgift, skriv 'egen_uppgift: false' för teamet under 'team'."),
    "R205": RuleHelp(
        "Där ett steg utförs av en part och nästa steg av en annan säger något av stegen hur "
        "informationen går över (SAMSA, telefon, SIP, remiss, meddelande …).",
        "Skriv kanalen i steget som lämnar över eller i steget som tar emot, som källan anger "
        "den. Anger källan ingen kanal, ta upp det med samordningsgruppen."),
    "R206": RuleHelp(
        "Ett stegs alternativ som skiljer mellan fall (minst två villkor som börjar med "
        "'Om …') säger vad som händer när inget av villkoren gäller.",
        "Lägg till ett alternativ med villkoret 'Annars' (eller utan villkor) som säger vad som "
        "görs då, även om det är att inget görs. Två villkor där det ena är det andra nekat "
        "('har en SIP' och 'saknar SIP') täcker redan alla fall."),
    "R301": RuleHelp(
        "Varje team har sin arbetsrutin, varje arbetsrutin en befintlig samverkansrutin och ett "
        "team i den.",
        "Jämför team och samverkansrutin i arbetsrutinen med id:n i samverkansrutinens "
        "team-lista; en saknad arbetsrutin skapas med rutin new arbetsrutin TEAM-ID PATH. Har "
        "teamet enligt källan ingen egen arbetsrutin, skriv egen_arbetsrutin: false för teamet "
        "(och ge samverkansrutinen en egen uppföljning)."),
    "R302": RuleHelp(
        "Id är unika i hela biblioteket.",
        "Ge ett av dokumenten ett annat id."),
    "R303": RuleHelp(
        "Bilagor pekar på filer som finns inom routines/.",
        "Ange en relativ sökväg till en befintlig fil inom routines/, utan .. och utan "
        "absolut sökväg."),
    "R401": RuleHelp(
        "En fastställd rutin har godkänt av, datum för godkännande och innehåll.",
        "Fastställ med rutin approve, som skriver godkänt_av och datum_för_godkännande, och se "
        "till att rutinen har avsnitt."),
    "R402": RuleHelp(
        "Giltig från ligger inte före datum för godkännande.",
        "Sätt giltig_från till samma dag som datum_för_godkännande eller senare."),
    "R403": RuleHelp(
        "Den aktuella versionen finns i ändringshistoriken (ändringar).",
        "Lägg till en rad för versionen överst i ändringar med version, datum och beskrivning."),
    "R404": RuleHelp(
        "Utvärderingen är försenad enligt utvärdering (månader eller intervall).",
        "Utvärdera rutinen; rutin status visar när nästa utvärdering ska göras."),
    "R405": RuleHelp(
        "Förkortningar i texten (NSVT, SAMSA …) förklaras under begrepp.",
        "Lägg till förkortningen och vad den står för under begrepp."),
    "R406": RuleHelp(
        "Godkännandeliggaren är obruten: ingen post är ändrad, borttagen eller flyttad.",
        "Liggaren skrivs bara av rutin approve; återställ godkannanden.yaml från "
        "versionshanteringen."),
    "R407": RuleHelp(
        "Fastställt innehåll är oförändrat sedan beslutet i liggaren.",
        "Höj versionen, beskriv ändringen i ändringar och begär nytt godkännande (rutin review, "
        "sedan rutin approve)."),
    "R408": RuleHelp(
        "En fastställd version har ett beslut i godkännandeliggaren.",
        "Registrera beslutet med rutin approve i stället för att skriva status: fastställd för "
        "hand."),
    "R409": RuleHelp(
        "Varje fastställd version har en oförändrad kopia i arkiv/.",
        "Återställ arkivkopian från versionshanteringen; arkiv/ skrivs bara av rutin approve."),
    "R411": RuleHelp(
        "En rutin med status fastställd_annan_instans anger beslutet i blocket "
        "fastställd_annan_instans (organ, och gärna datum och referens), och blocket står bara "
        "med den statusen.",
        "Lägg till fastställd_annan_instans: {organ: …, datum: …, referens: …} som källan "
        "anger det, eller ändra status."),
    "R416": RuleHelp(
        "En fastställd rutin anger när den ska utvärderas (utvärdering) eller hur länge den "
        "gäller (giltig_till), så att den kommer tillbaka för översyn; regionernas regler kräver "
        "det (VGR: giltig i högst fem år, översyn före utgången). Varning, eller fel när "
        "organisation.yaml har kräver_utvärdering: true.",
        "Lägg till utvärdering: {månader: [januari, augusti]} eller {intervall_månader: 12}, "
        "eller giltig_till: ÅÅÅÅ-MM-DD, som beslutet anger det; rutin status visar sedan när "
        "den är nästa gång."),
    "R410": RuleHelp(
        "Ett beslut i liggaren syns i rutinens status: liggaren har fastställt (eller upphävt) "
        "versionen, men rutinens status säger något annat.",
        "Oftast avbröts 'rutin approve' innan rutinfilen uppdaterades: kör samma 'rutin "
        "approve' igen så slutförs beslutet. Har rutinen ändrats, höj versionen."),
    "R415": RuleHelp(
        "Teamets del av samverkansrutinen (teamets rad under team, stegen som nämner teamet, "
        "kontakterna) är densamma som när arbetsrutinen fastställdes eller senast granskades. "
        "Varning medan den ändrade samverkansrutinen är ett utkast, fel när den gäller.",
        "Läs ändringen i samverkansrutinen (rutin diff) och anpassa arbetsrutinen och fastställ "
        "den på nytt, eller registrera att den granskats utan ändring: rutin utvärdera ID --av … "
        "--datum … --protokoll …"),
    "R501": RuleHelp(
        "Fickkortets innehåll får plats på 85 × 55 mm (mätt i samma layout som bygget).",
        "Korta raderna eller ta bort en punkt eller kontakt under fickkort."),
    "R502": RuleHelp(
        "Varje rad i checklistan får plats på en sida.",
        "Dela upp steget i flera steg eller korta texten."),
    "R503": RuleHelp(
        "En fickkortsrad som anger steg eller avsnitt pekar på något som finns i rutinen.",
        "Rätta steg: (t.ex. \"2a\") eller avsnitt: till ett steg eller en rubrik i rutinen."),
    "R504": RuleHelp(
        "Steget har inte ändrats sedan fickkortets rad skrevs (avtrycket stämmer).",
        "Läs steget, skriv om kortraden så att den säger samma sak (villkor, vem, samtycke) och "
        "sätt avtryck till värdet i meddelandet."),
    "R505": RuleHelp(
        "En fickkortsrad som anger sitt steg har ett avtryck av stegets text.",
        "Kontrollera att raden säger samma sak som steget och skriv avtryck: med värdet i "
        "meddelandet."),
    "R601": RuleHelp(
        "Ett format kunde inte byggas; bygget av övriga dokument fortsätter.",
        "Läs meddelandet, rätta orsaken och kör rutin build igen."),
}


# SARIF's rule `name`: a short Pascal-case identifier a reader understands (SARIF 2.1.0 §3.49.7),
# shown by GitHub code scanning beside the rule id. tests/test_sarif.py names a rule without one.
RULE_NAMES: dict[str, str] = {
    "R100": "OläsbarFil",
    "R101": "FelMotSchemat",
    "R102": "OkändNyckel",
    "R103": "DubbelNyckel",
    "R104": "OgiltigtDatum",
    "R105": "AnkareAliasTagg",
    "R106": "RåHtml",
    "R107": "TomtAvsnitt",
    "R108": "KriterierMinst",
    "R109": "TodoKvar",
    "R110": "LänkUtanförRutinen",
    "R111": "TeckenUtanTypsnitt",
    "R112": "ÖverGränserna",
    "R113": "LångtOrd",
    "R201": "UppföljningsansvarSaknas",
    "R202": "StegUtanAnsvarig",
    "R203": "AnsvarEjAngivet",
    "R204": "TeamUtanUppgift",
    "R205": "ÖverlämningUtanKanal",
    "R206": "AlternativUtanAnnarsFall",
    "R301": "TeamOchArbetsrutin",
    "R302": "DubbeltId",
    "R303": "BilagaUtanförBiblioteket",
    "R401": "FastställdSaknarUppgifter",
    "R402": "GiltigFöreGodkännande",
    "R403": "VersionSaknasIÄndringar",
    "R404": "UtvärderingFörsenad",
    "R405": "OförklaradFörkortning",
    "R406": "LiggarenÄndrad",
    "R407": "ÄndradEfterFastställande",
    "R408": "BeslutSaknasILiggaren",
    "R409": "ArkivkopiaFel",
    "R410": "StatusStämmerInteMedLiggaren",
    "R411": "AnnanInstansSaknarOrgan",
    "R415": "SamverkansrutinenÄndradFörTeamet",
    "R416": "UtvärderingsdatumSaknas",
    "R501": "FickkortetFårIntePlats",
    "R502": "ChecklistradFårIntePlats",
    "R503": "FickkortsradUtanMål",
    "R504": "StegetÄndratEfterFickkortet",
    "R505": "FickkortsradUtanAvtryck",
    "R601": "FormatKundeInteByggas",
}
