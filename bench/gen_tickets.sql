-- Bench data: 1,000,000 tickets over the 20 stores of bench/gen_customers.sql,
-- for bench/tickets.sh.
--
--   psql "$URL" -v ON_ERROR_STOP=1 -f bench/gen_tickets.sql
--
-- Needs a database loaded by bench/gen_customers.sql (20 stores, 200,000
-- customers) and no tickets yet: it refuses to run twice. Throwaway databases
-- only: it writes ~2 GB.
--
-- Set-based, one transaction, deterministic for a given PostgreSQL version
-- (setseed). What it makes, as of the time it runs (T):
-- - each ticket for a random customer, at the customer's home store (so the
--   store already sees the customer; customer_stores is topped up anyway);
-- - status open 8%, acknowledged 6%, in_progress 10%, pending_customer 3%,
--   resolved 13%, closed 60%; severity urgent 5%, important 25%, normal 70%;
--   12 categories and 8 channels with skewed weights; Chinese subjects from
--   per-category phrases plus an optional demand, a one-line description,
--   sometimes an expectation, a tag or a photo (texts short: the search
--   grams the tickets table computes on insert are most of the load time);
-- - due times as SPEC's defaults: first response created + 2 h, resolution
--   + 24 h (urgent, important), 48 h (normal), 72 h (medical_legal, injury);
--   next update = last customer-visible update + 24 h while open,
--   acknowledged or in_progress;
-- - timestamps consistent with the status and with what the sweeper would
--   have done, so it finds little to do when the server starts: closed
--   tickets were created 13-365 days before T and closed by a score of 8-10
--   (60%), 7 days after resolution without a score (25%) or by staff (15%);
--   resolved ones were resolved in the last 6.5 days (auto-close not due);
--   pending_customer ones paused in the last 3 days with remaining_minutes;
--   open ones are fresh and unanswered (25%), answered by a comment (55%) or
--   an unanswered backlog of up to 30 days (20%); acknowledged and in_progress
--   ones are within their resolution time (90%) or past it (10%);
-- - about 10% of tickets with breaches: the flags, one ticket_breaches row per
--   breached target (breached_at just after the due time), an sla_breached
--   event each, escalation_level = breaches (+ reopens), at most 2; a passed
--   update due time is a breach with next_update_due_at NULL, as the sweeper
--   leaves it;
-- - assignee: a staff member of the store when it has any (half of the open
--   tickets unassigned); created_by: a staff member of the store, hq.admin
--   for stores without staff;
-- - a `created` event per ticket; ids in created_at order.
\set QUIET on
\timing off
SET client_min_messages = warning;

BEGIN;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM stores WHERE code = 'GEN17')
     OR (SELECT count(*) FROM customers) < 1000 THEN
    RAISE EXCEPTION 'gen_tickets: run bench/gen_customers.sql first';
  END IF;
  IF EXISTS (SELECT 1 FROM tickets) THEN
    RAISE EXCEPTION 'gen_tickets: tickets exist already; use a fresh database';
  END IF;
END $$;

DO $$ BEGIN PERFORM setseed(0.20240604); END $$;
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '512MB';
SET LOCAL jit = off;
-- Every id written below comes from rows this transaction read or wrote, so
-- a superuser skips the foreign-key triggers (as gen_customers.sql does).
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    PERFORM set_config('session_replication_role', 'replica', true);
  END IF;
END $$;

-- Stores with their active staff; customers numbered 1..N. ------------------
CREATE TEMP TABLE gen_store ON COMMIT DROP AS
SELECT s.id, s.industry,
       (SELECT array_agg(ss.staff_id ORDER BY ss.staff_id)
          FROM staff_stores ss JOIN staff st ON st.id = ss.staff_id
         WHERE ss.store_id = s.id AND st.active) AS staff_ids
FROM stores s;

CREATE TEMP TABLE gen_cust ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY c.id)::int AS k, c.id, c.home_store_id
FROM customers c WHERE c.erased_at IS NULL;
CREATE UNIQUE INDEX ON gen_cust (k);
ANALYZE gen_cust;

-- Vocabulary ------------------------------------------------------------------
CREATE TEMP TABLE gen_phrase ON COMMIT DROP AS
SELECT v.category, row_number() OVER (PARTITION BY v.category ORDER BY v.ord)::int AS k,
       count(*) OVER (PARTITION BY v.category)::int AS n, v.phrase
FROM (VALUES
  ('service_attitude', 1, '服务态度差'), ('service_attitude', 2, '前台接待态度冷淡'),
  ('service_attitude', 3, '顾问强行推销办卡'), ('service_attitude', 4, '私教上课一直玩手机'),
  ('service_attitude', 5, '美容师全程聊天不专心'), ('service_attitude', 6, '店长处理投诉态度敷衍'),
  ('treatment_effect', 1, '护理后效果不明显'), ('treatment_effect', 2, '做完水光针没有效果'),
  ('treatment_effect', 3, '激光祛斑后反黑'), ('treatment_effect', 4, '减脂课程三个月没有变化'),
  ('treatment_effect', 5, '精修照片效果与样片不符'),
  ('product_quality', 1, '产品疑似过期'), ('product_quality', 2, '面膜开封有异味'),
  ('product_quality', 3, '蛋白粉包装破损'), ('product_quality', 4, '婚纱有污渍和破洞'),
  ('product_quality', 5, '相册装订质量差'),
  ('allergy_reaction', 1, '做完护理后脸部过敏'), ('allergy_reaction', 2, '精油按摩后皮肤起红疹'),
  ('allergy_reaction', 3, '使用店内产品后脸部红肿'), ('allergy_reaction', 4, '化妆后眼睛过敏'),
  ('injury', 1, '私教指导不当导致腰部拉伤'), ('injury', 2, '器械故障导致受伤'),
  ('injury', 3, '美容仪器烫伤皮肤'), ('injury', 4, '淋浴间地滑摔倒'),
  ('environment', 1, '环境卫生差'), ('environment', 2, '更衣室有异味'),
  ('environment', 3, '毛巾没有消毒'), ('environment', 4, '空调不制冷'), ('environment', 5, '影棚太吵'),
  ('appointment', 1, '预约被取消'), ('appointment', 2, '到店后等待一个小时'),
  ('appointment', 3, '私教迟到'), ('appointment', 4, '预约时间被随意更改'),
  ('appointment', 5, '拍摄档期被推迟'),
  ('billing', 1, '退款申请'), ('billing', 2, '重复扣费'), ('billing', 3, '办卡时承诺的优惠未兑现'),
  ('billing', 4, '发票迟迟不开'), ('billing', 5, '套餐次数被多扣'),
  ('rework', 1, '要求重新拍摄'), ('rework', 2, '护理需要返工'), ('rework', 3, '修图需要重做'),
  ('rework', 4, '课程要求补课'),
  ('delivery_delay', 1, '照片交付延迟'), ('delivery_delay', 2, '相册迟迟未交付'),
  ('delivery_delay', 3, '礼服未按时送达'), ('delivery_delay', 4, '精修底片逾期未发'),
  ('medical_legal', 1, '医美项目出现并发症'), ('medical_legal', 2, '要求出具医疗鉴定'),
  ('medical_legal', 3, '律师函：要求赔偿医疗费用'),
  ('other', 1, '会员积分丢失'), ('other', 2, '停车位不足'), ('other', 3, '小程序无法预约'),
  ('other', 4, '储值卡余额不对')) AS v (category, ord, phrase);
CREATE UNIQUE INDEX ON gen_phrase (category, k);

-- Plan 1: who, what, which status; the random numbers the times use. --------
CREATE TEMP TABLE gen_b ON COMMIT DROP AS
WITH base AS (
  SELECT n, 1 + floor(random() * (SELECT count(*) FROM gen_cust))::int AS ck,
         random() AS r_status, random() AS r_sev, random() AS r_cat, random() AS r_chan,
         random() AS r_phrase, random() AS r_frb, random() AS r_fr, random() AS r_tag
  FROM generate_series(1, 1000000) AS n
), shaped AS (
  SELECT b.*,
         CASE WHEN b.r_status < 0.08 THEN 'open' WHEN b.r_status < 0.14 THEN 'acknowledged'
              WHEN b.r_status < 0.24 THEN 'in_progress' WHEN b.r_status < 0.27 THEN 'pending_customer'
              WHEN b.r_status < 0.40 THEN 'resolved' ELSE 'closed' END AS status,
         CASE WHEN b.r_sev < 0.05 THEN 'urgent' WHEN b.r_sev < 0.30 THEN 'important'
              ELSE 'normal' END AS severity,
         CASE WHEN b.r_cat < 0.18 THEN 'service_attitude' WHEN b.r_cat < 0.32 THEN 'treatment_effect'
              WHEN b.r_cat < 0.39 THEN 'product_quality' WHEN b.r_cat < 0.45 THEN 'allergy_reaction'
              WHEN b.r_cat < 0.47 THEN 'injury' WHEN b.r_cat < 0.55 THEN 'environment'
              WHEN b.r_cat < 0.69 THEN 'appointment' WHEN b.r_cat < 0.81 THEN 'billing'
              WHEN b.r_cat < 0.87 THEN 'rework' WHEN b.r_cat < 0.94 THEN 'delivery_delay'
              WHEN b.r_cat < 0.95 THEN 'medical_legal' ELSE 'other' END AS category,
         CASE WHEN b.r_chan < 0.20 THEN 'phone' WHEN b.r_chan < 0.50 THEN 'wechat'
              WHEN b.r_chan < 0.65 THEN 'mini_program' WHEN b.r_chan < 0.70 THEN 'web'
              WHEN b.r_chan < 0.90 THEN 'in_store' WHEN b.r_chan < 0.92 THEN 'email'
              WHEN b.r_chan < 0.95 THEN 'sms' ELSE 'other' END AS channel
  FROM base b
)
SELECT s.n, c.id AS customer_id, c.home_store_id AS store_id, s.status, s.severity, s.category,
       s.channel,
       CASE WHEN s.category IN ('medical_legal', 'injury') THEN 72
            WHEN s.severity = 'normal' THEN 48 ELSE 24 END::float8 AS rh,
       -- hours to the first response: late (a breach) for 4% of the
       -- finished tickets and 8% of the active ones
       CASE WHEN s.r_frb < CASE WHEN s.status IN ('resolved', 'closed') THEN 0.04
                                WHEN s.status = 'open' THEN 0 ELSE 0.08 END
            THEN 2.05 + s.r_fr * 6 ELSE 0.05 + s.r_fr * 1.9 END AS d_fr,
       p.phrase
         || (ARRAY['', '', '', '', '，要求退款', '，要求赔偿', '，要求道歉', '（再次投诉）',
                   '，希望尽快处理', '，已多次沟通无果'])[1 + floor(random() * 10)::int] AS subject,
       '顾客' || (ARRAY['今天上午', '今天下午', '昨天', '前天', '上周', '本周'])[1 + floor(random() * 6)::int]
         || '反映，'
         || (ARRAY['情绪较激动，要求店长出面。', '已安抚，等待进一步处理。', '提供了照片作为证据。',
                   '电话沟通中，态度尚可。', '表示会在网上发差评。', '希望今天内给出答复。',
                   '已记录，转交主管跟进。', '是老会员，请优先处理。'])[1 + floor(random() * 8)::int]
         AS description,
       CASE WHEN random() < 0.4
            THEN (ARRAY['全额退款', '部分退款', '道歉', '免费重做一次', '赔偿医药费', '更换服务人员',
                        '尽快交付', '补偿课程'])[1 + floor(random() * 8)::int] END AS customer_expectation,
       CASE WHEN s.r_tag < 0.06 THEN ARRAY['重复投诉'] WHEN s.r_tag < 0.10 THEN ARRAY['VIP']
            WHEN s.r_tag < 0.12 THEN ARRAY['VIP', '差评风险'] ELSE '{}' END AS tags,
       CASE WHEN random() < 0.15
            THEN jsonb_build_array(jsonb_build_object(
                   'url', 'https://files.example.com/evidence/' || s.n || '.jpg', 'kind', 'photo'))
            ELSE '[]'::jsonb END AS evidence,
       CASE WHEN s.status = 'open' AND random() < 0.5 THEN NULL
            ELSE st.staff_ids[1 + floor(random() * cardinality(st.staff_ids))::int] END AS assignee_id,
       coalesce(st.staff_ids[1 + floor(random() * cardinality(st.staff_ids))::int],
                (SELECT id FROM staff WHERE login = 'hq.admin')) AS created_by,
       random() AS ra, random() AS rb, random() AS rc, random() AS rd, random() AS re,
       random() AS rf, random() AS rg, random() AS ri
FROM shaped s
JOIN gen_cust c ON c.k = s.ck
JOIN gen_store st ON st.id = c.home_store_id
JOIN gen_phrase p ON p.category = s.category
                 AND p.k = 1 + floor(s.r_phrase * p.n)::int;

-- Plan 2: the times, per status (hours as float8; T = now()). ---------------
-- Each branch gives created_at (c), first_responded_at (fr), resolved_at
-- (rs), closed_at (cl), paused_at, remaining_minutes, next_update_due_at
-- (nu), the due time of a passed update (upd_due, a breach) and the
-- satisfaction.
CREATE TEMP TABLE gen_t ON COMMIT DROP AS
WITH unit AS (SELECT interval '1 hour' AS h),
fin AS ( -- resolved and closed: hours from creation to resolution
  SELECT b.*, CASE WHEN b.rd < 0.05 THEN b.rh * (1.05 + b.re * 0.75)
                   ELSE greatest(b.d_fr + 0.2, b.rh * (0.1 + b.re * 0.85)) END AS d_rs
  FROM gen_b b WHERE b.status IN ('resolved', 'closed')
),
closed AS (
  SELECT f.n, x.c, x.c + f.d_fr * h AS fr, x.c + f.d_rs * h AS rs, x.cl, NULL::timestamptz AS paused_at,
         NULL::int AS remaining_minutes, NULL::timestamptz AS nu, NULL::timestamptz AS upd_due,
         CASE WHEN f.rb < 0.60 THEN 8 + floor(f.ra * 3)::int END AS score,
         CASE WHEN f.rb < 0.60 AND f.rf < 0.3
              THEN (ARRAY['服务很好，问题解决了', '处理及时，谢谢', '满意', '态度不错，下次还来'])
                   [1 + floor(f.rg * 4)::int] END AS comment,
         CASE WHEN f.ri < 0.04 THEN 1 ELSE 0 END AS reopen_count
  FROM fin f CROSS JOIN unit
  CROSS JOIN LATERAL (SELECT now() - (13 * 24 + f.rc * 352 * 24) * h AS c) AS c0
  CROSS JOIN LATERAL (SELECT c0.c,
           c0.c + f.d_rs * h + CASE WHEN f.rb < 0.60 THEN (1 + f.rb * 110) * h          -- scored
                                    WHEN f.rb < 0.85 THEN 168 * h + f.rb * 10 * interval '1 minute'
                                    ELSE (0.5 + (f.rb - 0.85) * 300) * h END AS cl) AS x -- by staff
  WHERE f.status = 'closed'
),
resolved AS (
  SELECT f.n, x.rs - f.d_rs * h AS c, x.rs - (f.d_rs - f.d_fr) * h AS fr, x.rs, NULL::timestamptz AS cl,
         NULL::timestamptz, NULL::int, NULL::timestamptz, NULL::timestamptz, NULL::int, NULL::text, 0
  FROM fin f CROSS JOIN unit
  CROSS JOIN LATERAL (SELECT now() - (0.05 + f.rc * 155) * h AS rs) AS x
  WHERE f.status = 'resolved'
),
pending AS ( -- d_p: hours from creation to the pause
  SELECT b.n, x.pa - x.d_p * h AS c, x.pa - (x.d_p - b.d_fr) * h AS fr, NULL::timestamptz AS rs,
         NULL::timestamptz AS cl, x.pa, greatest(0, floor((b.rh - x.d_p) * 60))::int,
         NULL::timestamptz, NULL::timestamptz, NULL::int, NULL::text, 0
  FROM gen_b b CROSS JOIN unit
  CROSS JOIN LATERAL (SELECT now() - (0.1 + b.rc * 71.9) * h AS pa,
           greatest(b.d_fr + 0.1, CASE WHEN b.rd < 0.08 THEN b.rh * (1.05 + b.re * 0.5)
                                       ELSE b.rh * (0.05 + b.re * 0.9) END) AS d_p) AS x
  WHERE b.status = 'pending_customer'
),
active AS ( -- open, acknowledged, in_progress: age in hours, answered or not
  SELECT b.n, b.rb, b.rc, b.d_fr,
         CASE WHEN b.status = 'open' AND b.rd < 0.25 THEN 'fresh'
              WHEN b.status = 'open' AND b.rd < 0.80 THEN 'answered'
              WHEN b.status = 'open' THEN 'backlog'
              WHEN b.rd < 0.10 THEN 'late' ELSE 'answered' END AS kind,
         CASE WHEN b.status = 'open' AND b.rd < 0.25 THEN 0.02 + b.re * 1.95
              WHEN b.status = 'open' AND b.rd >= 0.80 THEN b.rh + 0.5 + b.re * 30 * 24
              WHEN b.status <> 'open' AND b.rd < 0.10 THEN b.rh + 0.5 + b.re * 14 * 24
              ELSE b.d_fr + 0.05 + b.re * (b.rh * 0.95 - b.d_fr - 0.05) END AS age
  FROM gen_b b WHERE b.status IN ('open', 'acknowledged', 'in_progress')
),
active_t AS (
  SELECT a.n, x.c, x.fr, NULL::timestamptz AS rs, NULL::timestamptz AS cl, NULL::timestamptz,
         NULL::int,
         CASE WHEN a.kind = 'fresh' THEN x.c + 24 * h
              WHEN a.kind = 'backlog' THEN NULL
              WHEN a.kind = 'late' AND a.rc < 0.5 AND x.fr + 24 * h < now() - interval '1 minute' THEN NULL
              ELSE greatest(x.fr, now() - a.rb * 23.5 * h) + 24 * h END AS nu,
         CASE WHEN a.kind = 'backlog' THEN x.c + 24 * h
              WHEN a.kind = 'late' AND a.rc < 0.5 AND x.fr + 24 * h < now() - interval '1 minute'
              THEN x.fr + 24 * h END AS upd_due,
         NULL::int, NULL::text, 0
  FROM active a CROSS JOIN unit
  CROSS JOIN LATERAL (SELECT now() - a.age * h AS c) AS c0
  CROSS JOIN LATERAL (SELECT c0.c, CASE WHEN a.kind IN ('fresh', 'backlog') THEN NULL
                                        ELSE c0.c + a.d_fr * h END AS fr) AS x
)
SELECT row_number() OVER (ORDER BY t.c, t.n)::bigint AS id, t.*
FROM (SELECT * FROM closed UNION ALL SELECT * FROM resolved UNION ALL SELECT * FROM pending
      UNION ALL SELECT * FROM active_t) AS t;
CREATE UNIQUE INDEX ON gen_t (n);

-- Plan 3: the whole ticket, with its breaches. ------------------------------
CREATE TEMP TABLE gen_k ON COMMIT DROP AS
SELECT t.id, b.n, b.store_id, b.customer_id, b.channel, b.category, b.severity, b.status,
       b.subject, b.description, b.customer_expectation, b.tags, b.evidence, b.assignee_id,
       b.created_by, t.c AS created_at,
       t.c + interval '2 hours' AS first_response_due_at, t.fr AS first_responded_at,
       t.c + b.rh * interval '1 hour' AS resolution_due_at, t.rs AS resolved_at,
       t.nu AS next_update_due_at, t.paused_at, t.remaining_minutes, t.cl AS closed_at,
       t.score, t.comment, t.reopen_count, t.upd_due,
       -- passed while unmet: the sweeper has recorded them
       coalesce(t.fr, now()) > t.c + interval '2 hours' AS fr_breached,
       coalesce(t.rs, t.paused_at, now()) > t.c + b.rh * interval '1 hour' AS res_breached
FROM gen_t t JOIN gen_b b ON b.n = t.n;

-- Write -----------------------------------------------------------------------
INSERT INTO tickets (id, store_id, customer_id, channel, category, severity, status, subject,
                     description, customer_expectation, tags, evidence, assignee_id,
                     escalation_level, first_response_due_at, first_responded_at,
                     first_response_breached, resolution_due_at, resolution_breached, resolved_at,
                     next_update_due_at, paused_at, remaining_minutes, closed_at,
                     satisfaction_score, satisfaction_comment, satisfaction_at, reopen_count,
                     version, created_by, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT k.id, k.store_id, k.customer_id, k.channel, k.category, k.severity, k.status, k.subject,
       k.description, k.customer_expectation, k.tags, k.evidence, k.assignee_id,
       least(2, k.fr_breached::int + k.res_breached::int + (k.upd_due IS NOT NULL)::int
                + k.reopen_count),
       k.first_response_due_at, k.first_responded_at, k.fr_breached, k.resolution_due_at,
       k.res_breached, k.resolved_at, k.next_update_due_at, k.paused_at, k.remaining_minutes,
       k.closed_at, k.score, k.comment, CASE WHEN k.score IS NOT NULL THEN k.closed_at END,
       k.reopen_count,
       1 + CASE k.status WHEN 'open' THEN 0 WHEN 'acknowledged' THEN 1 WHEN 'in_progress' THEN 2
                         WHEN 'pending_customer' THEN 3 WHEN 'resolved' THEN 3 ELSE 4 END
         + k.fr_breached::int + k.res_breached::int + (k.upd_due IS NOT NULL)::int
         + 3 * k.reopen_count,
       k.created_by, k.created_at,
       greatest(k.created_at, k.first_responded_at, k.resolved_at, k.paused_at, k.closed_at,
                k.next_update_due_at - interval '24 hours')
FROM gen_k k
ORDER BY k.id;
DO $$ BEGIN PERFORM setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets)); END $$;

CREATE TEMP TABLE gen_br ON COMMIT DROP AS
SELECT x.id AS ticket_id, x.store_id, x.target, x.due_at,
       least(now(), x.due_at + (5 + random() * 50) * interval '1 second') AS breached_at
FROM (SELECT k.id, k.store_id, 'first_response' AS target, k.first_response_due_at AS due_at
        FROM gen_k k WHERE k.fr_breached
      UNION ALL
      SELECT k.id, k.store_id, 'resolution', k.resolution_due_at FROM gen_k k WHERE k.res_breached
      UNION ALL
      SELECT k.id, k.store_id, 'update', k.upd_due FROM gen_k k WHERE k.upd_due IS NOT NULL) AS x;

INSERT INTO ticket_breaches (ticket_id, store_id, target, due_at, breached_at)
SELECT ticket_id, store_id, target, due_at, breached_at FROM gen_br ORDER BY ticket_id, due_at;

INSERT INTO ticket_events (ticket_id, store_id, at, actor_id, type, before, after, note)
SELECT e.ticket_id, e.store_id, e.at, e.actor_id, e.type, NULL, e.after, NULL
FROM (SELECT k.id AS ticket_id, k.store_id, k.created_at AS at, k.created_by AS actor_id,
             'created' AS type,
             jsonb_build_object('status', 'open', 'channel', k.channel, 'category', k.category,
                                'severity', k.severity, 'customer_id', k.customer_id) AS after
        FROM gen_k k
      UNION ALL
      SELECT r.ticket_id, r.store_id, r.breached_at, NULL, 'sla_breached',
             jsonb_build_object('target', r.target, 'due_at', api_time(r.due_at))
        FROM gen_br r) AS e
ORDER BY e.ticket_id, e.at;

-- The ticket's store sees its customer (already so: the home store). With
-- the triggers skipped, a new pair would miss its name grams: rebuild then.
DO $$
DECLARE
  added bigint;
BEGIN
  INSERT INTO customer_stores (store_id, customer_id)
  SELECT DISTINCT store_id, customer_id FROM gen_b ORDER BY 2, 1
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS added = ROW_COUNT;
  IF added > 0 AND current_setting('session_replication_role') = 'replica' THEN
    PERFORM rebuild_customer_name_grams();
  END IF;
END $$;

COMMIT;

VACUUM (ANALYZE) tickets, ticket_events, ticket_breaches, customer_stores;

\set QUIET off
\echo 'gen_tickets: loaded'
SELECT (SELECT count(*) FROM tickets) AS tickets,
       (SELECT count(*) FROM ticket_events) AS events,
       (SELECT count(*) FROM ticket_breaches) AS breaches,
       (SELECT count(*) FROM tickets WHERE first_response_breached OR resolution_breached
                                        OR id IN (SELECT ticket_id FROM ticket_breaches)) AS breached_tickets,
       (SELECT count(*) FROM tickets WHERE sweep_due_at <= now() + interval '5 minutes') AS sweep_due_5min;
SELECT status, count(*), round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct,
       min(created_at)::date AS first_created, max(created_at)::date AS last_created
FROM tickets GROUP BY status ORDER BY min(id);
SELECT s.code,
       (SELECT count(*) FROM tickets t WHERE t.store_id = s.id) AS tickets,
       (SELECT count(*) FROM tickets t WHERE t.store_id = s.id AND t.status = 'open') AS open,
       (SELECT count(*) FROM tickets t WHERE t.store_id = s.id AND t.assignee_id IS NOT NULL) AS assigned
FROM stores s
WHERE s.code IN ('SH001', 'SH002', 'BJ001', 'GEN01')
ORDER BY s.id;
