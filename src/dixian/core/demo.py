"""The Pinglu demo world.

Townships and departments are Pinglu County's real public ones (statistical division codes
from the National Bureau of Statistics releases of 2021–2023, see
``shared/domain/anchors-and-pinglu.md`` §3.2 (a)). Villages, enterprises and people are
fictional; positions on the map are approximate and only for the demo.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from . import audit
from .choices import DivisionLevel, OrgKind, PositionKind, Role
from .models import Division, Industry, Jurisdiction, Organisation, Person, Position, User

DEMO_PASSWORD = "Dixian@2024"

COUNTY = ("140829", "平陆县", Decimal("34.882970"), Decimal("111.238610"))

# (code, name, approx. latitude, longitude): demo positions inside the county polygon.
TOWNSHIPS = [
    ("140829100", "圣人涧镇", "34.8400", "111.2100"),
    ("140829101", "常乐镇", "34.8900", "111.0400"),
    ("140829102", "张店镇", "34.9600", "111.1900"),
    ("140829103", "张村镇", "34.8200", "111.1200"),
    ("140829104", "曹川镇", "34.8900", "111.5000"),
    ("140829105", "三门镇", "34.8300", "111.3300"),
    ("140829106", "部官镇", "34.9200", "111.2700"),
    ("140829107", "洪池镇", "34.8800", "111.1300"),
    ("140829201", "杜马乡", "34.9300", "111.3900"),
]

# Demo villages (fictional codes under real townships).
VILLAGES = [
    ("140829100201", "示范村（示例）", "140829100"),
    ("140829104201", "川口村（示例）", "140829104"),
    ("140829105201", "河湾村（示例）", "140829105"),
    ("140829102201", "塬上村（示例）", "140829102"),
]

# (code, name, parent code, high risk)
INDUSTRIES = [
    ("mining", "矿山", None, True),
    ("coal", "煤矿", "mining", True),
    ("metal_nonmetal", "金属非金属矿山", "mining", True),
    ("tailings", "尾矿库", "mining", True),
    ("hazchem", "危险化学品", None, True),
    ("fireworks", "烟花爆竹", None, True),
    ("industry_trade", "工贸", None, False),
    ("metallurgy", "冶金", "industry_trade", True),
    ("nonferrous", "有色", "industry_trade", True),
    ("building_materials", "建材", "industry_trade", False),
    ("machinery", "机械", "industry_trade", False),
    ("light_industry", "轻工", "industry_trade", False),
    ("textile", "纺织", "industry_trade", False),
    ("tobacco", "烟草", "industry_trade", False),
    ("commerce", "商贸", "industry_trade", False),
    ("dust_explosion", "粉尘涉爆", "industry_trade", True),
    ("construction", "建筑施工", None, True),
    ("transport", "交通运输", None, True),
    ("road_passenger", "道路客运", "transport", True),
    ("dangerous_goods_transport", "危险货物运输", "transport", True),
    ("gas", "燃气", None, True),
    ("fire_key_unit", "消防安全重点单位", None, False),
    ("special_equipment", "特种设备", None, False),
    ("civil_explosives", "民用爆炸物品", None, True),
    ("culture_tourism", "文化旅游", None, False),
    ("agri_machinery", "农业机械", None, False),
    ("water_conservancy", "水利工程", None, False),
    ("self_built_housing", "经营性自建房", None, False),
    ("education", "教育", None, False),
    ("health", "医疗卫生", None, False),
]

# (name, short, aliases, kind, jurisdiction industry codes)
DEPARTMENTS = [
    ("平陆县安全生产委员会办公室", "县安委办", "平陆县安委办,安委办", OrgKind.COMMITTEE_OFFICE, []),
    (
        "平陆县应急管理局",
        "县应急局",
        "县应急管理局,应急局",
        OrgKind.DEPARTMENT,
        ["metal_nonmetal", "tailings", "coal", "hazchem", "fireworks", "industry_trade"],
    ),
    ("平陆县发展和改革局", "县发改局", "县发展改革局", OrgKind.DEPARTMENT, ["coal"]),
    (
        "平陆县工业和科技局",
        "县工科局",
        "县工信局",
        OrgKind.DEPARTMENT,
        ["industry_trade", "civil_explosives"],
    ),
    (
        "平陆县住房和城乡建设局",
        "县住建局",
        "县住房城乡建设局",
        OrgKind.DEPARTMENT,
        ["construction", "gas", "self_built_housing"],
    ),
    ("平陆县交通运输局", "县交运局", "县交通局", OrgKind.DEPARTMENT, ["transport"]),
    (
        "平陆县自然资源局",
        "县自然资源局",
        "县自然资源和规划局",
        OrgKind.DEPARTMENT,
        ["metal_nonmetal", "coal"],
    ),
    ("平陆县水利局", "县水利局", "", OrgKind.DEPARTMENT, ["water_conservancy"]),
    ("平陆县农业农村局", "县农业农村局", "县农业局", OrgKind.DEPARTMENT, ["agri_machinery"]),
    ("平陆县林业局", "县林业局", "", OrgKind.DEPARTMENT, []),
    ("平陆县文化和旅游局", "县文旅局", "县文化旅游局", OrgKind.DEPARTMENT, ["culture_tourism"]),
    ("平陆县教育局", "县教育局", "", OrgKind.DEPARTMENT, ["education"]),
    ("平陆县民政局", "县民政局", "", OrgKind.DEPARTMENT, []),
    ("平陆县卫生健康局", "县卫健局", "县卫生健康委", OrgKind.DEPARTMENT, ["health"]),
    ("平陆县市场监督管理局", "县市场监管局", "县市监局", OrgKind.DEPARTMENT, ["special_equipment"]),
    ("平陆县公安局", "县公安局", "", OrgKind.DEPARTMENT, ["civil_explosives"]),
    (
        "平陆县公安局交通警察大队",
        "县交警队",
        "县交警大队,县公安局交警大队",
        OrgKind.DEPARTMENT,
        ["road_passenger", "dangerous_goods_transport"],
    ),
    ("平陆县行政审批服务管理局", "县行政审批局", "县审批局", OrgKind.DEPARTMENT, []),
    ("平陆县财政局", "县财政局", "", OrgKind.DEPARTMENT, []),
    ("平陆县气象局", "县气象局", "", OrgKind.DEPARTMENT, []),
    ("平陆县防震减灾中心", "县防震减灾中心", "县地震局", OrgKind.DEPARTMENT, []),
    ("平陆县消防救援大队", "县消防救援大队", "县消防大队", OrgKind.DEPARTMENT, ["fire_key_unit"]),
    ("平陆公路管理段", "公路段", "县公路段", OrgKind.DEPARTMENT, []),
]

# Fictional enterprises: (name, township code, industries, lat, lng, extra aliases)
ENTERPRISES = [
    ("平陆县鸿岭煤业有限公司（基建矿井）", "140829104", ["coal"], "34.9050", "111.5200"),
    ("山西晟泰煤业有限公司平陆分公司（基建矿井）", "140829104", ["coal"], "34.8750", "111.4700"),
    ("平陆县北岭煤业有限公司（基建矿井）", "140829201", ["coal"], "34.9400", "111.4100"),
    ("平陆县中岳铝土矿有限公司", "140829104", ["metal_nonmetal"], "34.8800", "111.5400"),
    ("山西河源氧化铝有限公司", "140829100", ["nonferrous", "hazchem"], "34.8500", "111.2300"),
    ("山西河源氧化铝有限公司赤泥堆场", "140829100", ["tailings"], "34.8550", "111.2450"),
    ("平陆县恒信化工有限公司", "140829105", ["hazchem"], "34.8350", "111.3500"),
    (
        "平陆县安泰精细化工有限公司",
        "140829106",
        ["hazchem", "dust_explosion"],
        "34.9200",
        "111.2900",
    ),
    ("平陆县宏达燃气有限公司", "140829100", ["gas"], "34.8450", "111.2000"),
    ("平陆县城南棚户区改造项目（示例工地）", "140829100", ["construction"], "34.8350", "111.2150"),
    ("运三高速连接线桥梁工程（示例工地）", "140829103", ["construction"], "34.8150", "111.1000"),
    ("平陆县黄河湾风景区（示例）", "140829105", ["culture_tourism"], "34.8250", "111.3100"),
    ("平陆县顺安客运有限公司", "140829100", ["road_passenger"], "34.8420", "111.2050"),
    ("平陆县金诚烟花爆竹批发有限公司", "140829107", ["fireworks"], "34.8800", "111.1400"),
    (
        "平陆县福源面粉有限公司",
        "140829101",
        ["light_industry", "dust_explosion"],
        "34.8900",
        "111.0500",
    ),
]

# username, display name, role, org key, mobile
ACCOUNTS = [
    ("leader", "王县长（示例）", Role.COUNTY_LEADER, "county", "13900000001"),
    ("office", "李安办（示例）", Role.SAFETY_OFFICE, "县安委办", "13900000002"),
    ("inspector", "赵检查（示例）", Role.INSPECTOR, "县应急局", "13900000003"),
    ("housing", "钱住建（示例）", Role.INSPECTOR, "县住建局", "13900000004"),
    ("township", "孙乡镇（示例）", Role.TOWNSHIP_OFFICER, "曹川镇", "13900000005"),
    ("grid", "周网格（示例）", Role.VILLAGE_GRID, "川口村（示例）", "13900000006"),
    (
        "enterprise",
        "吴安全（示例）",
        Role.ENTERPRISE_MANAGER,
        "山西河源氧化铝有限公司",
        "13900000007",
    ),
    ("duty", "郑值班（示例）", Role.DUTY_OFFICER, "县应急局", "13900000008"),
    ("admin", "系统管理员", Role.ADMIN, "county", "13900000009"),
]


def is_seeded() -> bool:
    return Division.objects.filter(code=COUNTY[0]).exists()


@transaction.atomic
def seed() -> dict:
    """Load the demo world (idempotent: existing rows are kept)."""
    created = {"divisions": 0, "organisations": 0, "users": 0}
    county, new = Division.objects.get_or_create(
        code=COUNTY[0],
        defaults={
            "name": COUNTY[1],
            "level": DivisionLevel.COUNTY,
            "latitude": COUNTY[2],
            "longitude": COUNTY[3],
        },
    )
    created["divisions"] += new
    townships = {}
    for code, name, lat, lng in TOWNSHIPS:
        t, new = Division.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "level": DivisionLevel.TOWNSHIP,
                "parent": county,
                "latitude": Decimal(lat),
                "longitude": Decimal(lng),
            },
        )
        townships[code] = t
        created["divisions"] += new
    villages = {}
    for code, name, parent in VILLAGES:
        v, new = Division.objects.get_or_create(
            code=code,
            defaults={"name": name, "level": DivisionLevel.VILLAGE, "parent": townships[parent]},
        )
        villages[name] = v
        created["divisions"] += new

    industries = {}
    for i, (code, name, parent, high_risk) in enumerate(INDUSTRIES):
        ind, _ = Industry.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": industries.get(parent),
                "high_risk": high_risk,
                "sort": i,
            },
        )
        industries[code] = ind

    def org(name, kind, parent=None, division=None, **extra):
        obj, new = Organisation.objects.get_or_create(
            name=name, defaults={"kind": kind, "parent": parent, "division": division, **extra}
        )
        created["organisations"] += new
        return obj

    gov = org(
        "平陆县人民政府",
        OrgKind.GOVERNMENT,
        division=county,
        short_name="县政府",
        address="山西省运城市平陆县圣人涧镇",
        phone="0359-3522000",
    )
    orgs = {"county": gov}
    for name, short, aliases, kind, _codes in DEPARTMENTS:
        orgs[short] = org(
            name, kind, parent=gov, division=county, short_name=short, aliases=aliases
        )
    for t in townships.values():
        orgs[t.name] = org(
            f"{t.name}人民政府",
            OrgKind.TOWNSHIP_GOVERNMENT,
            parent=gov,
            division=t,
            short_name=t.name,
            aliases=t.name,
        )
    for name, v in villages.items():
        base = name.replace("（示例）", "")
        orgs[name] = org(
            f"{base}村民委员会（示例）",
            OrgKind.VILLAGE_COMMITTEE,
            parent=orgs[v.parent.name],
            division=v,
            short_name=name,
        )
    for name, t_code, codes, lat, lng in ENTERPRISES:
        e = org(
            name,
            OrgKind.ENTERPRISE,
            division=townships[t_code],
            latitude=Decimal(lat),
            longitude=Decimal(lng),
        )
        e.industries.set([industries[c] for c in codes])
        orgs[name] = e
    # The red-mud yard belongs to the alumina plant.
    yard = orgs["山西河源氧化铝有限公司赤泥堆场"]
    if yard.parent_id is None:
        yard.parent = orgs["山西河源氧化铝有限公司"]
        yard.save()
    team = org(
        "平陆县综合应急救援队（示例）",
        OrgKind.RESCUE_TEAM,
        parent=orgs["县应急局"],
        division=county,
    )
    orgs[team.name] = team

    for _name, short, _aliases, _kind, codes in DEPARTMENTS:
        dept = orgs[short]
        if codes and not dept.jurisdictions.exists():
            j = Jurisdiction.objects.create(department=dept, note="demo")
            j.industries.set([industries[c] for c in codes])

    for username, display, role, org_key, mobile in ACCOUNTS:
        if User.objects.filter(username=username).exists():
            continue
        home = orgs[org_key]
        person = Person.objects.create(
            name=display, org=home, mobile=mobile, title=str(Role(role).label)
        )
        kind = {
            Role.VILLAGE_GRID: PositionKind.GRID_WORKER,
            Role.ENTERPRISE_MANAGER: PositionKind.SAFETY_DIRECTOR,
            Role.COUNTY_LEADER: PositionKind.DEPUTY,
            Role.DUTY_OFFICER: PositionKind.DUTY,
        }.get(role, PositionKind.STAFF)
        Position.objects.create(person=person, org=home, kind=kind, title=str(Role(role).label))
        user = User(
            username=username,
            display_name=display,
            role=role,
            org=home,
            person=person,
            email=f"{username}@demo.invalid",
            is_staff=role == Role.ADMIN,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        created["users"] += 1
    # Principals of the demo enterprises (fictional people).
    for i, (name, *_rest) in enumerate(ENTERPRISES):
        e = orgs[name]
        if not e.positions.filter(kind=PositionKind.PRINCIPAL).exists():
            p = Person.objects.create(
                name=f"负责人{i + 1:02d}（示例）",
                org=e,
                mobile=f"139100000{i + 10:02d}",
                title="主要负责人",
            )
            Position.objects.create(
                person=p, org=e, kind=PositionKind.PRINCIPAL, title="主要负责人"
            )
    from .notify import enqueue

    for user in User.objects.filter(username__in=[a[0] for a in ACCOUNTS]):
        enqueue(
            subject="欢迎使用底线安全生产与应急管理平台（演示）",
            body=(
                "这是平陆县演示环境。您看到的数据范围取决于您的角色和所在单位："
                "县领导和安委办看全县，部门看本行业监管范围内的企业，乡镇看本辖区，企业看本单位。"
                "所有操作都记录在防篡改的审计日志中。"
            ),
            link="/",
            recipients=[user],
            dedupe_key="demo-welcome",
        )
    from importlib import import_module

    from django.conf import settings

    for app in settings.DIXIAN_DEMO_APPS:
        created.update(import_module(f"dixian.{app}.demo").seed() or {})
    audit.record(
        action="demo.seed", object_type="core.demo", object_repr="Pinglu demo", after=created
    )
    return created


def list_users() -> list[dict]:
    """The demo accounts: the core ones in order, then those the apps' demos add."""
    core = [a[0] for a in ACCOUNTS]
    users = {u.username: u for u in User.objects.filter(username__in=core).select_related("org")}
    extra = (
        User.objects.filter(email__endswith="@demo.invalid")
        .exclude(username__in=core)
        .select_related("org")
        .order_by("username")
    )
    rows = []
    for user in [users[u] for u in core if u in users] + list(extra):
        rows.append(
            {
                "username": user.username,
                "password": DEMO_PASSWORD,
                "role": user.role,
                "org": user.org.name if user.org else "",
            }
        )
    return rows
