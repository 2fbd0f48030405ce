-- Search compares letters without case in every alphabet it reads as words
-- (Greek, Cyrillic, Armenian, Georgian, Latin letters beyond A-Z), not only
-- A-Z: the search functions of prisma/sql/search.sql, copied verbatim below.
-- Vectors computed before hold those letters in upper case: the messages
-- that may hold one (any letter of those blocks in their text) are indexed
-- again here; no other message's vector changes.

-- BEGIN prisma/sql/search.sql
-- Search tokens: the one source of the search rule (README "Search").
-- The migration that installs these functions carries the same text
-- (test/unit/sql-sources.test.ts checks it). Everything here is IMMUTABLE
-- and depends on no locale, so PGlite and PostgreSQL index alike.
--
-- Text is normalised (compatibility forms folded, accents stripped, the
-- letters of every alphabet read as words lowered, final sigma read as
-- sigma, WhatsApp's @c.us / @g.us / @s.whatsapp.net after digits dropped)
-- and read as three kinds of terms:
--   CJK runs   (Han, kana, Hangul): every character and every pair of
--              neighbours, with positions, so a query run matches as a phrase;
--   words      (runs of letters: Latin and other alphabets): the word;
--   numbers    (runs of digits, joined across one or two of " -.()+/", so
--              "+91 84400-00002" is 918440000002): every digit run, the
--              joined number, and its every ending of 3 or more digits, so
--              that 3+ query digits match anywhere inside it.
--
-- Bounds, so that any text indexes in time linear in its length and fits a
-- tsvector (at most 1 MB, positions up to 16383, lexemes up to 2 KB): only a
-- text's first 16383 characters are read, a word by its first 200 letters
-- (a query is at most 200 characters), a number by its first 32 digits (its
-- endings are then at most 30 per number; a query's number is read the same).
-- A tsvector also keeps only a lexeme's first 256 positions: in a long text,
-- a CJK phrase of 3+ characters is found among its pairs' first 256 places.

CREATE OR REPLACE FUNCTION chatgraph_search_normalise(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN regexp_replace(
  -- lower() under "C" lowers A-Z only; the other letters through translate()
  -- (the two strings are src/domain/case-fold.ts's CASE_FOLD, checked by a test).
  translate(
    lower(normalize(regexp_replace(normalize(t, NFKD), '[\u0300-\u036f]+', '', 'g'), NFKC) COLLATE "C"),
    'ÆÐØÞĐĦŁŊŒŦƂƄƇƋƎƑƘƢƤƧƬƳƵƸƼǤǶǷȜȠȢȤȻȽɁɃɆɈɊɌɎͰͲͶͿΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩϏϘϚϜϞϠϢϤϦϨϪϬϮϷϺϽϾϿЂЄЅІЈЉЊЋЏАБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯѠѢѤѦѨѪѬѮѰѲѴѸѺѼѾҀҊҌҎҐҒҔҖҘҚҜҞҠҢҤҦҨҪҬҮҰҲҴҶҸҺҼҾӀӃӅӇӉӋӍӔӘӠӨӶӺӼӾԀԂԄԆԈԊԌԎԐԒԔԖԘԚԜԞԠԢԤԦԨԪԬԮԱԲԳԴԵԶԷԸԹԺԻԼԽԾԿՀՁՂՃՄՅՆՇՈՉՊՋՌՍՎՏՐՑՒՓՔՕՖᏰᏱᏲᏳᏴᏵᲉᲐᲑᲒᲓᲔᲕᲖᲗᲘᲙᲚᲛᲜᲝᲞᲟᲠᲡᲢᲣᲤᲥᲦᲧᲨᲩᲪᲫᲬᲭᲮᲯᲰᲱᲲᲳᲴᲵᲶᲷᲸᲹᲺᲽᲾᲿẞỺỼỾς',
    'æðøþđħłŋœŧƃƅƈƌǝƒƙƣƥƨƭƴƶƹƽǥƕƿȝƞȣȥȼƚɂƀɇɉɋɍɏͱͳͷϳαβγδεζηθικλμνξοπρστυφχψωϗϙϛϝϟϡϣϥϧϩϫϭϯϸϻͻͼͽђєѕіјљњћџабвгдежзиклмнопрстуфхцчшщъыьэюяѡѣѥѧѩѫѭѯѱѳѵѹѻѽѿҁҋҍҏґғҕҗҙқҝҟҡңҥҧҩҫҭүұҳҵҷҹһҽҿӏӄӆӈӊӌӎӕәӡөӷӻӽӿԁԃԅԇԉԋԍԏԑԓԕԗԙԛԝԟԡԣԥԧԩԫԭԯաբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆᏸᏹᏺᏻᏼᏽᲊაბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰჱჲჳჴჵჶჷჸჹჺჽჾჿßỻỽỿσ'),
  '([0-9])@(?:c\.us|g\.us|s\.whatsapp\.net)(?![a-z0-9])', '\1 ', 'g');

CREATE OR REPLACE FUNCTION chatgraph_search_vector(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
  WITH n AS (SELECT left(chatgraph_search_normalise(left(t, 16383)), 16383) AS s),
  runs AS (
    -- Runs one position apart, so that no phrase spans two runs (and no
    -- position passes the run's character's own, at most 16383).
    SELECT r.m[1] AS run, sum(length(r.m[1]) + 1) OVER (ORDER BY r.k) - length(r.m[1]) AS base
    FROM n, regexp_matches(n.s, '[\u1100-\u11ff\u3005-\u3007\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]+', 'g') WITH ORDINALITY AS r(m, k)
  ),
  chars AS (
    -- Split, not substr(run, i): substr walks the text from its start each time.
    SELECT c.ch, runs.base + c.i - 1 AS pos, lead(c.ch) OVER (PARTITION BY runs.base ORDER BY c.i) AS next
    FROM runs, regexp_split_to_table(runs.run, '') WITH ORDINALITY AS c(ch, i)
  ),
  numbers AS (
    SELECT w.written, regexp_replace(w.written, '[^0-9]', '', 'g') AS digits
    FROM n, regexp_matches(n.s, '[0-9]+(?:[-. ()+/]{1,2}[0-9]+)*', 'g') AS r(m),
         LATERAL (SELECT substring(r.m[1] FROM '^(?:[^0-9]*[0-9]){1,32}') AS written) w
  )
  SELECT coalesce(string_agg(tok, ' '), '')::tsvector FROM (
    SELECT ch || ':' || pos AS tok FROM chars
    UNION ALL
    SELECT ch || next || ':' || pos FROM chars WHERE next IS NOT NULL
    UNION ALL
    SELECT left(r.m[1], 200) FROM n, regexp_matches(n.s, '[a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u10ff\u1200-\u1fff]+', 'g') AS r(m)
    UNION ALL
    SELECT g.m[1] FROM numbers, regexp_matches(written, '[0-9]+', 'g') AS g(m)
    UNION ALL
    SELECT digits FROM numbers
    UNION ALL
    SELECT substr(digits, i) FROM numbers, generate_series(2, length(digits) - 2) AS i
  ) tokens
);

-- A query read by the same rule: every term must match (AND). A CJK run
-- matches as a phrase of its pairs (one character: the character); a word
-- of 3+ letters as a prefix, after dropping a plural ending (-ies, -es, -s)
-- or a final -y of a 4+ letter word (company ~ companies),
-- a shorter word whole; a number of 3+ digits as a prefix of an ending of a
-- text's number (so anywhere inside it), a shorter one whole. A term given
-- twice is one. NULL when the query has no term. With cjk_only, only its CJK
-- runs (the part of a quoted fragment that is sure to be whole in the text,
-- see src/read/search.ts).
CREATE OR REPLACE FUNCTION chatgraph_search_query(q text, cjk_only boolean DEFAULT false) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
  WITH n AS (SELECT chatgraph_search_normalise(q) AS s),
  terms AS (
    SELECT CASE WHEN length(r.m[1]) = 1 THEN '''' || r.m[1] || ''''
                ELSE '(' || (SELECT string_agg('''' || substr(r.m[1], i, 2) || '''', ' <-> ' ORDER BY i)
                             FROM generate_series(1, length(r.m[1]) - 1) AS i) || ')' END AS term
    FROM n, regexp_matches(n.s, '[\u1100-\u11ff\u3005-\u3007\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]+', 'g') AS r(m)
    UNION ALL
    SELECT CASE WHEN length(w) < 3 THEN '''' || w || ''''
                WHEN w ~ 'ies$' AND length(w) >= 6 THEN '''' || left(w, -3) || ''':*'
                WHEN w ~ 'es$' AND length(w) >= 5 THEN '''' || left(w, -2) || ''':*'
                WHEN w ~ '[^s]s$' AND length(w) >= 4 THEN '''' || left(w, -1) || ''':*'
                WHEN w ~ 'y$' AND length(w) >= 4 THEN '''' || left(w, -1) || ''':*'
                ELSE '''' || w || ''':*' END
    FROM (SELECT r.m[1] AS w FROM n, regexp_matches(n.s, '[a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u10ff\u1200-\u1fff]+', 'g') AS r(m)) words
    WHERE NOT cjk_only
    UNION ALL
    SELECT '''' || d || '''' || CASE WHEN length(d) >= 3 THEN ':*' ELSE '' END
    FROM (SELECT regexp_replace(substring(r.m[1] FROM '^(?:[^0-9]*[0-9]){1,32}'), '[^0-9]', '', 'g') AS d
          FROM n, regexp_matches(n.s, '[0-9]+(?:[-. ()+/]{1,2}[0-9]+)*', 'g') AS r(m)) numbers
    WHERE NOT cjk_only
  )
  SELECT string_agg(DISTINCT term, ' & ')::tsquery FROM terms
);

-- Messages keep their vector in step with their text, whichever path writes them.
CREATE OR REPLACE FUNCTION chatgraph_message_search_vector() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW."searchVector" := chatgraph_search_vector(NEW."searchText");
  RETURN NEW;
END
$$;
-- END prisma/sql/search.sql

UPDATE "Message" SET "searchVector" = chatgraph_search_vector("searchText")
WHERE "searchVector" IS NOT NULL
  AND "searchText" ~ '[\u00c0-\u024f\u0370-\u052f\u0531-\u0556\u10a0-\u10ff\u13a0-\u13f5\u1c90-\u1cbf\u1e00-\u1fff]';
