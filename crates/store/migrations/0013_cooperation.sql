-- The cooperation catalogue: the operator's field vocabulary (seeded), projects and expressions of interest.
-- A project's and a field's fields are one JSON document (`doc`); the columns beside it are what queries filter on.
CREATE TABLE coop_fields (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE coop_projects (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    district TEXT NOT NULL,
    status TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE coop_interests (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES coop_projects(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retain_until BIGINT NOT NULL,
    emailed_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE INDEX coop_interests_project ON coop_interests(project_id);
CREATE INDEX coop_interests_retain ON coop_interests(retain_until);

INSERT INTO coop_fields (id, slug, doc, created_at, updated_at) VALUES
('field-exchange', 'exchange', '{"slug":"exchange","names":{"ru":"Обмены","en":"Exchange","zh":"交流"},"dac":[15112],"sdg":[17]}', 0, 0),
('field-training', 'training', '{"slug":"training","names":{"ru":"Обучение","en":"Training","zh":"培训"},"dac":[11330,11430],"sdg":[4]}', 0, 0),
('field-artificial-intelligence', 'artificial-intelligence', '{"slug":"artificial-intelligence","names":{"ru":"Искусственный интеллект","en":"Artificial intelligence","zh":"人工智能"},"dac":[22040,43082],"sdg":[9]}', 0, 0),
('field-environmental-protection', 'environmental-protection', '{"slug":"environmental-protection","names":{"ru":"Охрана окружающей среды","en":"Environmental protection","zh":"环境保护"},"dac":[41010],"sdg":[11,13]}', 0, 0),
('field-industry', 'industry', '{"slug":"industry","names":{"ru":"Промышленность","en":"Industry","zh":"产业"},"dac":[32110],"sdg":[8,9]}', 0, 0),
('field-culture', 'culture', '{"slug":"culture","names":{"ru":"Культура","en":"Culture","zh":"文化"},"dac":[16061],"sdg":[11]}', 0, 0),
('field-tourism', 'tourism', '{"slug":"tourism","names":{"ru":"Туризм","en":"Tourism","zh":"旅游"},"dac":[33210],"sdg":[8]}', 0, 0),
('field-education', 'education', '{"slug":"education","names":{"ru":"Образование","en":"Education","zh":"教育"},"dac":[11110],"sdg":[4]}', 0, 0),
('field-health', 'health', '{"slug":"health","names":{"ru":"Здравоохранение","en":"Health","zh":"卫生健康"},"dac":[12110],"sdg":[3]}', 0, 0),
('field-trade', 'trade', '{"slug":"trade","names":{"ru":"Торговля","en":"Trade","zh":"贸易"},"dac":[33110],"sdg":[17]}', 0, 0);
