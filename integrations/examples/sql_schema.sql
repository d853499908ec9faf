-- An example ERP schema (Swedish names, status codes, prices per quantity break), used by the tests of
-- the sql connector and mapped by sql_queries.toml beside this file. Written for PostgreSQL; the tests
-- use it on MariaDB/MySQL too, with TIMESTAMP replaced by DATETIME.
CREATE TABLE kund (
    kundnr VARCHAR(20) PRIMARY KEY,
    namn VARCHAR(200) NOT NULL,
    epost VARCHAR(320) NOT NULL,
    sprak CHAR(2) NOT NULL,
    ort VARCHAR(100),
    land CHAR(2)
);
CREATE TABLE kundkontakt (
    kundnr VARCHAR(20) NOT NULL REFERENCES kund (kundnr),
    namn VARCHAR(200) NOT NULL,
    epost VARCHAR(320) NOT NULL
);
CREATE TABLE artikel (
    artnr VARCHAR(40) PRIMARY KEY,
    benamning VARCHAR(200) NOT NULL,
    benamning_sv VARCHAR(200),
    enhet VARCHAR(10)
);
CREATE TABLE lagersaldo (
    artnr VARCHAR(40) NOT NULL REFERENCES artikel (artnr),
    lagerstalle VARCHAR(40) NOT NULL,
    saldo INTEGER NOT NULL,
    reserverat INTEGER NOT NULL,
    inleverans_datum DATE,
    inleverans_antal INTEGER
);
CREATE TABLE prislista (
    artnr VARCHAR(40) NOT NULL REFERENCES artikel (artnr),
    fran_antal INTEGER NOT NULL,
    apris NUMERIC(12, 2) NOT NULL,
    valuta CHAR(3) NOT NULL,
    giltig_tom DATE
);
-- orderstatus: 10 registrerad, 20 bekräftad, 30 plockas, 40 skickad, 50 levererad, 60 restnoterad, 90 makulerad
CREATE TABLE kundorder (
    ordernr VARCHAR(20) PRIMARY KEY,
    kundnr VARCHAR(20) NOT NULL REFERENCES kund (kundnr),
    kundref VARCHAR(100),
    orderstatus INTEGER NOT NULL,
    orderdatum TIMESTAMP NOT NULL,
    onskat_datum DATE,
    valuta CHAR(3) NOT NULL,
    levadress VARCHAR(200),
    levpostnr VARCHAR(16),
    levort VARCHAR(100),
    levland CHAR(2)
);
CREATE TABLE orderrad (
    ordernr VARCHAR(20) NOT NULL REFERENCES kundorder (ordernr),
    radnr INTEGER NOT NULL,
    artnr VARCHAR(40) NOT NULL REFERENCES artikel (artnr),
    antal INTEGER NOT NULL,
    levererat INTEGER NOT NULL,
    apris NUMERIC(12, 2) NOT NULL
);
-- status: BOKAD, HAMTAD, TRANSPORT, UTKORNING, LEVERERAD, AVVIKELSE
CREATE TABLE leverans (
    sandningsnr VARCHAR(64) PRIMARY KEY,
    ordernr VARCHAR(20) NOT NULL REFERENCES kundorder (ordernr),
    transportor VARCHAR(64) NOT NULL,
    tjanst VARCHAR(64),
    status VARCHAR(20) NOT NULL,
    kolli INTEGER NOT NULL,
    skickad TIMESTAMP NULL,
    beraknad_ankomst DATE,
    levererad TIMESTAMP NULL,
    notering VARCHAR(200),
    notering_sv VARCHAR(200)
);
-- status: O öppen, B betald, F förfallen, K krediterad
CREATE TABLE faktura (
    fakturanr VARCHAR(20) PRIMARY KEY,
    ordernr VARCHAR(20) REFERENCES kundorder (ordernr),
    kundnr VARCHAR(20) NOT NULL REFERENCES kund (kundnr),
    fakturadatum DATE NOT NULL,
    forfallodatum DATE NOT NULL,
    belopp NUMERIC(12, 2) NOT NULL,
    moms NUMERIC(12, 2) NOT NULL,
    valuta CHAR(3) NOT NULL,
    status CHAR(1) NOT NULL
);
