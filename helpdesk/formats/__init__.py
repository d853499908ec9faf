"""Date and number formats per interface language (``FORMAT_MODULE_PATH``): one unambiguous date style
per language, used everywhere a page shows a date. English writes "7 Dec 2026" (a numeric date reads as
7 December in Britain and July 12 in the US); Swedish writes the ISO date it uses in print, 2026-12-07."""
