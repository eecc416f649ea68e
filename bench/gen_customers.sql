-- Bench data: 17 more stores (20 in all), 200,000 customers and about
-- 600,000 visits, for bench/customers.sh.
--
--   psql "$URL" -v ON_ERROR_STOP=1 -f bench/gen_customers.sql
--
-- Needs a migrated database seeded with the demo chain (`aftercare seed
-- --demo`: stores SH001, SH002, BJ001 and their staff) and nothing else: it
-- refuses to run twice. Throwaway databases only: it writes ~1 GB.
--
-- Set-based (INSERT ... SELECT over generate_series), one transaction, and
-- deterministic for a given PostgreSQL version (setseed), so two bench runs
-- search the same data. What it makes:
-- - stores GEN01..GEN17, industries cycling beauty/fitness/bridal/other;
-- - customers spread evenly over the 20 stores as home stores; Chinese names
--   from ~100 surnames (common ones more often, a few two-character ones such
--   as 欧阳, 司马) and ~200 given-name characters, 1-2 of them; unique mobile
--   phones +861XX + 8 scrambled digits over 16 common 3-digit prefixes;
--   gender, tier, source, points, tags, birthday (1960-2005, 85% known),
--   marketing_opt_in ~60%, an industry profile, created_at over 3 years;
-- - 0-6 visits per customer (80% at the home store, 20% at another store),
--   at the store's industry services, in the last 2 years and after the
--   customer was created, by a staff member of that store when it has one;
-- - last_visit_at = the latest visit; customer_stores = the home store and
--   every store with a visit.
\set QUIET on
\timing off
SET client_min_messages = warning;

BEGIN;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM stores WHERE code = 'GEN01') THEN
    RAISE EXCEPTION 'gen_customers: already loaded (store GEN01 exists); use a fresh database';
  END IF;
  IF (SELECT count(*) FROM stores WHERE code IN ('SH001', 'SH002', 'BJ001')) <> 3
     OR NOT EXISTS (SELECT 1 FROM staff WHERE login = 'hq.admin') THEN
    RAISE EXCEPTION 'gen_customers: the demo chain is missing (run `aftercare seed --demo` first)';
  END IF;
END $$;

DO $$ BEGIN PERFORM setseed(0.20240603); END $$;
SET LOCAL work_mem = '256MB';
SET LOCAL jit = off;
-- Every id written below comes from rows this transaction just read or
-- inserted, so the foreign-key triggers (3 million checks, a third of the
-- time) are skipped when we may: a superuser turns off ordinary triggers for
-- this transaction. Not a superuser: they run, it just takes longer.
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    PERFORM set_config('session_replication_role', 'replica', true);
  END IF;
END $$;

-- Stores ------------------------------------------------------------------
INSERT INTO stores (code, name, industry)
SELECT 'GEN' || lpad(i::text, 2, '0'),
       (ARRAY['杭州', '南京', '苏州', '成都', '广州', '深圳', '武汉', '西安', '重庆', '天津',
              '青岛', '长沙', '厦门', '宁波', '合肥', '郑州', '昆明'])[i]
         || (ARRAY['美容院', '健身房', '婚纱摄影', '生活馆'])[1 + (i - 1) % 4] || '（压测）',
       (ARRAY['beauty', 'fitness', 'bridal', 'other'])[1 + (i - 1) % 4]
FROM generate_series(1, 17) AS i;

-- The 20 stores in a fixed order, with a staff member list when they have one.
CREATE TEMP TABLE gen_store ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY s.id)::int AS ix, s.id, s.industry,
       (SELECT array_agg(ss.staff_id ORDER BY ss.staff_id)
          FROM staff_stores ss JOIN staff st ON st.id = ss.staff_id
         WHERE ss.store_id = s.id AND st.active) AS staff_ids
FROM stores s;
DO $$
BEGIN
  IF (SELECT count(*) FROM gen_store) <> 20 THEN
    RAISE EXCEPTION 'gen_customers: expected 20 stores, found %', (SELECT count(*) FROM gen_store);
  END IF;
END $$;

-- Vocabulary ---------------------------------------------------------------
-- Surnames weighted roughly by frequency: each appears `w` times in the pool.
CREATE TEMP TABLE gen_vocab ON COMMIT DROP AS
WITH surname(s, w) AS (
  VALUES ('王', 14), ('李', 14), ('张', 13), ('刘', 11), ('陈', 10), ('杨', 6), ('黄', 5),
         ('赵', 5), ('吴', 4), ('周', 4), ('徐', 3), ('孙', 3), ('马', 3), ('朱', 3), ('胡', 3),
         ('郭', 3), ('何', 3), ('高', 3), ('林', 3), ('罗', 3), ('郑', 2), ('梁', 2), ('谢', 2),
         ('宋', 2), ('唐', 2), ('许', 2), ('韩', 2), ('冯', 2), ('邓', 2), ('曹', 2), ('彭', 2),
         ('曾', 2), ('肖', 2), ('田', 2), ('董', 2), ('袁', 1), ('潘', 1), ('于', 1), ('蒋', 1),
         ('蔡', 1), ('余', 1), ('杜', 1), ('叶', 1), ('程', 1), ('苏', 1), ('魏', 1), ('吕', 1),
         ('丁', 1), ('任', 1), ('沈', 1), ('姚', 1), ('卢', 1), ('姜', 1), ('崔', 1), ('钟', 1),
         ('谭', 1), ('陆', 1), ('汪', 1), ('范', 1), ('金', 1), ('石', 1), ('廖', 1), ('贾', 1),
         ('夏', 1), ('韦', 1), ('付', 1), ('方', 1), ('白', 1), ('邹', 1), ('孟', 1), ('熊', 1),
         ('秦', 1), ('邱', 1), ('江', 1), ('尹', 1), ('薛', 1), ('闫', 1), ('段', 1), ('雷', 1),
         ('侯', 1), ('龙', 1), ('史', 1), ('陶', 1), ('黎', 1), ('贺', 1), ('顾', 1), ('毛', 1),
         ('郝', 1), ('龚', 1), ('邵', 1), ('万', 1), ('钱', 1), ('严', 1), ('武', 1), ('戴', 1),
         ('莫', 1), ('孔', 1), ('汤', 1), ('欧阳', 1), ('司马', 1), ('上官', 1), ('诸葛', 1),
         ('慕容', 1), ('东方', 1))
SELECT
  (SELECT array_agg(s ORDER BY s, k) FROM surname, generate_series(1, w) AS k) AS surnames,
  regexp_split_to_array(
    '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉飞波宁琳琴云莉婷雪慧颖'
    '佳倩晶欣悦怡雯瑶璐露蕾薇菲萱涵梓子诗思雨晨晓梦可嘉欢乐安宇轩浩博昊然泽睿铭俊凯文斌健志建'
    '国海林峰龙鑫亮成康毅东荣新春梅兰凤洁琪瑾蓉月彤妍馨宁蕊岚莹紫婉珊珍倩丹红霖琦韵韬逸哲航'
    '帆舟远晗煜炎烨锦绮绣蝶凌冰清澜源淼泉溪池鸿鹤鹰翔腾跃坤乾磐岩峻嵘崇德仁义礼信忠孝廉勤俭'
    '慈惠善良美好佩琼璇瑜璐琰瑞祥福禄寿喜庆阳光辰星宸彦卓越宏伟豪杰英俊秀丽晴朗', '') AS given,
  ARRAY['138', '139', '137', '136', '135', '134', '150', '151', '152', '158', '159', '186', '187',
        '188', '189', '199'] AS mobile_prefixes,
  ARRAY['VIP', '敏感肌', '减脂', '婚期近', '增肌', '孕期', '过敏体质', '老客户', '转介绍', '高消费',
        '价格敏感', '周末客', '学生', '产后修复', '油性皮肤', '干性皮肤'] AS tags,
  ARRAY[0.06, 0.15, 0.12, 0.04, 0.08, 0.02, 0.05, 0.20, 0.10, 0.07, 0.09, 0.12, 0.05, 0.03, 0.08,
        0.07]::float8[] AS tag_p,
  ARRAY['喜欢安静的房间', '只约周末下午', '对精油过敏，请用无香型产品', '需要发票',
        '老客户介绍，注意维护', '上次投诉等待时间长', '希望固定同一位顾问'] AS notes;

-- Customers, planned in a temporary table first (row number n -> phone). ----
CREATE TEMP TABLE gen_c ON COMMIT DROP AS
WITH base AS (
  SELECT n, 1 + floor(random() * 20)::int AS store_ix, random() AS r_gender,
         random() AS r_tier, random() AS r_source, random() AS r_name, random() AS r_given,
         now() - random() * interval '3 years' AS created_at
  FROM generate_series(1, 200000) AS n
)
SELECT b.n, st.id AS home_store_id, st.ix AS home_ix, st.industry,
       v.surnames[1 + floor(random() * cardinality(v.surnames))::int]
         || v.given[1 + floor(random() * cardinality(v.given))::int]
         || CASE WHEN b.r_given < 0.7 THEN v.given[1 + floor(random() * cardinality(v.given))::int]
                 ELSE '' END AS name,
       '+86' || v.mobile_prefixes[1 + b.n % 16]
         || lpad(((b.n / 16)::bigint * 48271 % 100000000)::text, 8, '0') AS phone,
       CASE WHEN b.r_gender < 0.68 THEN 'female' WHEN b.r_gender < 0.93 THEN 'male'
            ELSE 'unknown' END AS gender,
       CASE WHEN random() < 0.85
            THEN DATE '1960-01-01' + floor(random() * (DATE '2005-12-31' - DATE '1960-01-01' + 1))::int
       END AS birthday,
       CASE WHEN b.r_tier < 0.60 THEN 'regular' WHEN b.r_tier < 0.82 THEN 'silver'
            WHEN b.r_tier < 0.94 THEN 'gold' ELSE 'vip' END AS member_tier,
       floor(random() * random() * 20000)::bigint AS points,
       CASE WHEN b.r_source < 0.45 THEN 'walk_in' WHEN b.r_source < 0.63 THEN 'referral'
            WHEN b.r_source < 0.75 THEN 'online' WHEN b.r_source < 0.90 THEN 'mini_program'
            WHEN b.r_source < 0.97 THEN 'campaign' ELSE 'other' END AS source,
       ARRAY(SELECT t.tag FROM unnest(v.tags, v.tag_p) AS t(tag, p)
              WHERE random() < t.p + 0 * b.n ORDER BY t.tag) AS tags,
       random() < 0.6 AS marketing_opt_in,
       CASE WHEN random() < 0.1 THEN v.notes[1 + floor(random() * cardinality(v.notes))::int] END AS notes,
       CASE st.industry
         WHEN 'beauty' THEN jsonb_build_object(
           'skin_type', (ARRAY['油性', '干性', '混合', '敏感', '中性'])[1 + floor(random() * 5)::int],
           'allergies', CASE WHEN random() < 0.2 THEN '["精油"]'::jsonb ELSE '[]'::jsonb END)
         WHEN 'fitness' THEN jsonb_build_object(
           'goal', (ARRAY['减脂', '增肌', '塑形', '康复'])[1 + floor(random() * 4)::int],
           'height_cm', 150 + floor(random() * 40)::int)
         WHEN 'bridal' THEN jsonb_build_object(
           'wedding_date', to_char(current_date + floor(random() * 365)::int, 'YYYY-MM-DD'))
         ELSE '{}'::jsonb
       END AS profile,
       b.created_at,
       floor(random() * 7)::int AS n_visits
FROM base b
JOIN gen_store st ON st.ix = b.store_ix
CROSS JOIN gen_vocab v;

-- Visits, planned against the customer plan. --------------------------------
CREATE TEMP TABLE gen_v ON COMMIT DROP AS
WITH planned AS (
  SELECT c.n, c.created_at,
         CASE WHEN random() < 0.8 THEN c.home_ix
              ELSE 1 + (c.home_ix + floor(random() * 19)::int) % 20 END AS store_ix,
         random() AS r_service, random() AS r_when
  FROM gen_c c CROSS JOIN LATERAL generate_series(1, c.n_visits) AS k
),
service(industry, ix, code, name, cents) AS (
  VALUES ('beauty', 1, 'LASER-01', '激光嫩肤', 128000), ('beauty', 2, 'FACIAL-02', '深层清洁面部护理', 38800),
         ('beauty', 3, 'HYDRA-03', '水光补水', 68000), ('beauty', 4, 'SPA-05', '肩颈舒缓SPA', 29800),
         ('fitness', 1, 'PT-10', '私教课10节', 350000), ('fitness', 2, 'PT-01', '私教体验课', 19900),
         ('fitness', 3, 'YOGA-01', '瑜伽团课', 8000), ('fitness', 4, 'CARD-Y', '年卡续费', 298000),
         ('bridal', 1, 'PHOTO-A', '婚纱照A套餐', 699900), ('bridal', 2, 'PHOTO-B', '婚纱照B套餐', 1299900),
         ('bridal', 3, 'DRESS-01', '礼服租赁', 188000), ('bridal', 4, 'MAKEUP-01', '新娘跟妆', 260000),
         ('other', 1, 'CONSULT', '到店咨询', 0), ('other', 2, 'CARE-01', '基础护理', 15800),
         ('other', 3, 'CARE-02', '会员护理', 26800), ('other', 4, 'GIFT-01', '礼品兑换', 0)
)
SELECT p.n, st.id AS store_id, sv.code AS service_code, sv.name AS service_name,
       w.lo + p.r_when * (now() - w.lo) AS performed_at,
       st.staff_ids[1 + floor(random() * cardinality(st.staff_ids))::int] AS staff_id,
       (sv.cents * (0.7 + random() * 0.6))::bigint / 100 * 100 AS amount_cents,
       random() < 0.9 AS converted
FROM planned p
JOIN gen_store st ON st.ix = p.store_ix
JOIN service sv ON sv.industry = st.industry AND sv.ix = 1 + floor(p.r_service * 4)::int
CROSS JOIN LATERAL (SELECT greatest(p.created_at, now() - interval '2 years') AS lo) AS w;

-- Write ---------------------------------------------------------------------
INSERT INTO customers (home_store_id, name, phone, gender, birthday, member_tier, points, source,
                       tags, marketing_opt_in, notes, profile, last_visit_at, created_at, updated_at)
SELECT c.home_store_id, c.name, c.phone, c.gender, c.birthday, c.member_tier, c.points, c.source,
       c.tags, c.marketing_opt_in, c.notes, c.profile, lv.at, c.created_at,
       greatest(c.created_at, lv.at)
FROM gen_c c
LEFT JOIN (SELECT n, max(performed_at) AS at FROM gen_v GROUP BY n) AS lv ON lv.n = c.n
ORDER BY c.n;

CREATE TEMP TABLE gen_id ON COMMIT DROP AS
SELECT c.n, cu.id FROM gen_c c JOIN customers cu ON cu.phone = c.phone;
CREATE UNIQUE INDEX ON gen_id (n);

INSERT INTO visits (customer_id, store_id, service_code, service_name, performed_at, staff_id,
                    amount_cents, converted, created_by, created_at)
SELECT i.id, v.store_id, v.service_code, v.service_name, v.performed_at, v.staff_id,
       v.amount_cents, v.converted,
       coalesce(v.staff_id, (SELECT id FROM staff WHERE login = 'hq.admin')), v.performed_at
FROM gen_v v JOIN gen_id i ON i.n = v.n
ORDER BY i.id, v.performed_at; -- in customer order: index and foreign-key lookups stay local

INSERT INTO customer_stores (store_id, customer_id)
SELECT c.home_store_id, i.id FROM gen_c c JOIN gen_id i ON i.n = c.n
UNION
SELECT v.store_id, i.id FROM gen_v v JOIN gen_id i ON i.n = v.n
ORDER BY 2, 1
ON CONFLICT DO NOTHING;

COMMIT;

-- The name search index is kept by triggers, which the load above may have
-- bypassed: build it in one pass.
SELECT rebuild_customer_name_grams() AS name_gram_rows;
VACUUM (ANALYZE) customers, visits, customer_stores, customer_name_grams, stores;
ANALYZE;

\set QUIET off
\echo 'gen_customers: loaded'
SELECT (SELECT count(*) FROM stores) AS stores,
       (SELECT count(*) FROM customers) AS customers,
       (SELECT count(*) FROM visits) AS visits,
       (SELECT count(*) FROM customer_stores) AS customer_stores,
       (SELECT count(*) FROM customers WHERE last_visit_at IS NOT NULL) AS with_visits,
       (SELECT count(*) FROM customers WHERE marketing_opt_in) AS opted_in;
SELECT s.code, s.industry,
       (SELECT count(*) FROM customers c WHERE c.home_store_id = s.id) AS home_customers,
       (SELECT count(*) FROM customer_stores cs WHERE cs.store_id = s.id) AS visible_customers,
       (SELECT count(*) FROM visits v WHERE v.store_id = s.id) AS visits
FROM stores s
WHERE s.code IN ('SH001', 'SH002', 'BJ001', 'GEN01')
ORDER BY s.id;
