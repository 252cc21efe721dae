"""The corpus schema: column names and vocabularies shared by parse output, parse cache and build.

One place to extend a vocabulary (see DESIGN.md § Documents and the corpus schema). The
`parse-file --json` contract uses exactly these names; later versions add names, never rename.
"""

PARSER_VERSION = "0.3.0"
SCHEMA_VERSION = "1"

DOCUMENT_FIELDS = [
    "doc_id", "source_url", "portal_id", "title", "publish_date", "region_code",
    "province_code", "province", "prefecture", "county", "admin_level", "department",
    "unit_code", "scope", "doc_kind", "fiscal_year", "format", "n_pages", "parse_status",
    "status_reason", "parser_version", "checks_passed", "checks_total",
    # a zip's member: the container's doc_id and the member's path inside it (else null)
    "container_id", "member_path",
]
TABLE_FIELDS = [
    "doc_id", "table_no", "table_type", "title_raw", "page_start", "page_end", "amount_unit",
    "is_empty", "n_rows", "n_cols", "flags",
]
CELL_FIELDS = ["doc_id", "table_no", "row", "col", "text", "page", "bbox"]
LINE_ITEM_FIELDS = [
    "doc_id", "table_no", "row_no", "col", "table_type", "classification", "code", "code_level", "name",
    "unit_code", "unit_name", "measure", "measure_raw", "amount", "amount_raw", "page", "bbox",
]
CHECK_FIELDS = ["doc_id", "name", "scope", "expected", "actual", "passed"]
# Figures stated in the narrative (情况说明): `name` from FACT_NAMES, `label` what the figure
# is about where the name alone does not say (a classification name: 卫生健康支出), `value`
# exact (amounts in 万元 like line items), `unit` 万元 | 人 | 辆 | %, `sentence` as printed.
FACT_FIELDS = ["doc_id", "fact_no", "name", "label", "value", "unit", "sentence", "page"]

PARSE_STATUSES = ("ok", "partial", "no_text_layer", "unsupported", "failed")
DOC_KINDS = ("budget", "final_accounts", "other")
SCOPES = ("department", "unit")
ADMIN_LEVELS = ("province", "prefecture", "county")
AMOUNT_UNITS = ("万元", "元")
CLASSIFICATIONS = ("functional", "economic", "income_source", "performance", "none")
TABLE_FLAGS = ("stitched", "unruled", "rotated", "ocr", "header_uncertain")

TABLE_TYPES = (
    "income_expenditure_summary",  # 收支总表
    "income_summary",  # 收入总表
    "expenditure_summary",  # 支出总表
    "fiscal_summary",  # 财政拨款收支总表
    "fiscal_by_economic",  # 财政拨款支出表（经济分类）
    "general_budget",  # 一般公共预算支出表
    "general_budget_basic",  # 一般公共预算基本支出表
    "general_budget_project",  # 一般公共预算项目支出表
    "three_public",  # “三公”经费支出表
    "gov_fund",  # 政府性基金支出表
    "gov_fund_three_public",  # 政府性基金“三公”经费支出表
    "state_capital",  # 国有资本经营预算支出表
    "project_performance",  # 项目绩效目标表
    "overall_performance",  # 整体绩效目标表
    # beyond DESIGN.md's list: tables several provinces publish as standard
    "fiscal_by_function",  # 财政拨款支出预算表（功能科目）
    "operating_costs",  # 一般公共预算机关运行经费支出预算表
    "procurement",  # 政府采购预算表
    "other",
)

MEASURES = (
    "total", "basic", "project", "personnel", "public_use", "current_year", "carryover",
    "general_budget", "gov_fund", "state_capital", "fiscal_special", "business", "operating",
    "other_income", "superior_subsidy", "subordinate_remit", "upper_remit", "unit_subsidy",
    "carry_forward",
    # 三公
    "overseas_travel", "vehicle_total", "vehicle_purchase", "vehicle_operation", "reception",
    # final accounts (决算)
    "budget_initial", "budget_adjusted", "final", "execution_rate",
    # beyond DESIGN.md's list
    "fiscal_appropriation",  # 财政拨款收入 / 财政拨款 (all three funds together)
    "operating_costs",  # 机关运行经费
    "meeting", "training",  # 会议费, 培训费 (printed next to the 三公)
    "contingency",  # 单位预留机动经费
)

# Narrative facts (DESIGN.md § Later: `facts`). Amounts in 万元 unless the name says otherwise.
FACT_NAMES = (
    "income_expenditure_total",  # 收入支出总计 / 收支总预算
    "income_total",  # 本年收入合计 / 收入预算
    "expenditure_total",  # 本年支出合计 / 支出预算
    "basic",  # 基本支出 (of all funds)
    "project",  # 项目支出 (of all funds)
    "fiscal_total",  # 财政拨款收入支出总计
    "general_budget_total",  # 一般公共预算财政拨款支出
    "general_budget_class",  # one 类 of it (label: the class name)
    "general_budget_basic",  # 一般公共预算财政拨款基本支出
    "personnel",  # 人员经费
    "public_use",  # 公用经费
    "three_public_budget",  # “三公”经费 年初预算 / 预算
    "three_public_final",  # “三公”经费 支出决算
    "operating_costs",  # 机关运行经费
    "procurement_total", "procurement_goods", "procurement_works", "procurement_services",
    "vehicles",  # 车辆 (辆)
    "staff_authorized",  # 编制 (人)
    "staff_actual",  # 实有人数 (人)
)

# Fetch catalog (one row per fetch), see DESIGN.md § Raw archive.
FETCH_STATUSES = (
    "ok", "not_modified", "http_error", "challenged", "too_large", "not_a_document", "robots",
    "error",
)
CATALOG_FIELDS = [
    "url", "final_url", "referer", "portal_id", "run_id", "fetched_at", "status", "fetch_status",
    "status_reason", "content_type", "detected_type", "bytes", "sha256", "etag", "last_modified",
    "link_text", "title", "publish_date", "region_code", "doc_kind", "fiscal_year", "department",
    "warc_file", "warc_offset", "warc_length",
]
