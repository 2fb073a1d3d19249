"""``dixian calc``: the standards kernel calculators on the command line, answering JSON.

A thin wrapper: parsing and printing here, every rule in ``dixian.standards``.

    dixian calc lec --l 6 --e 6 --c 3            {"d", "level", "colour"}
    dixian calc ls --l 4 --s 5                   {"r", "level", "colour"}
    dixian calc gb18218 --input unit.json        {"s", "major", "r", "grade", "lines", …}
    dixian calc safety-fee --sector coal --category open_pit --output-t 1000
    dixian calc uscc 91350100M000100Y43          {"valid", "error"}
    dixian calc accident-grade --deaths 3 --serious-injuries 0 --direct-loss-yuan 0
                                                 {"grade", "grade_cn", "report_up_to", …}

Output is one line of JSON (UTF-8, Chinese unescaped). Decimal values are JSON **numbers**
written from the exact Decimal in plain notation (``108``, ``0.25``), never through a float.
Bad input (an unknown substance or category, a malformed file, a negative or non-numeric
quantity, a value outside a scale) is reported on stderr in English and Chinese with exit
status 2. An invalid USCC is an answer, not an error: ``{"valid": false, …}`` with exit 0.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ....standards import accident, gb18218, jsonio, risk, safety_fee, uscc
from ....standards.errors import StandardsError
from ....standards.numbers import to_decimal

EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    help = (
        "Standards calculators (LEC, risk matrix, GB 18218-2018, safety fees, USCC, accident "
        "grade); JSON out."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        calculators = parser.add_subparsers(dest="calculator", required=True, metavar="CALCULATOR")

        lec = calculators.add_parser("lec", help="LEC: D = L × E × C and its risk colour")
        lec.add_argument("--l", required=True, help="likelihood score (10, 6, 3, 1, 0.5, 0.2, 0.1)")
        lec.add_argument("--e", required=True, help="exposure score (10, 6, 3, 2, 1, 0.5)")
        lec.add_argument("--c", required=True, help="consequence score (100, 40, 15, 7, 3, 1)")
        lec.add_argument("--scheme", help="band scheme in risk_bands.json (default: its default)")

        ls = calculators.add_parser("ls", help="risk matrix: R = L × S (1–5 each)")
        ls.add_argument("--l", required=True, help="likelihood 1–5")
        ls.add_argument("--s", required=True, help="severity 1–5")
        ls.add_argument("--scheme", help="band scheme in risk_bands.json (default: its default)")

        hazard = calculators.add_parser("gb18218", help="GB 18218-2018 identification and grade")
        hazard.add_argument("--input", required=True, help="JSON file describing one unit")

        fee = calculators.add_parser("safety-fee", help="safety production fee, 财资〔2022〕136号")
        fee.add_argument("--sector", required=True, help=", ".join(safety_fee.sectors()))
        fee.add_argument(
            "--category",
            action="append",
            default=[],
            help="category code or text (repeat for coal: the highest rate applies)",
        )
        fee.add_argument("--output-t", help="output in tonnes (mines, crude oil)")
        fee.add_argument("--output-1000m3", help="natural gas output in 1000 m³")
        fee.add_argument(
            "--revenue-yuan", help="previous-year revenue (hazardous goods, fireworks)"
        )
        fee.add_argument("--cost-yuan", help="construction and installation cost (construction)")

        code = calculators.add_parser("uscc", help="check a unified social credit code (GB 32100)")
        code.add_argument("code")

        acc = calculators.add_parser(
            "accident-grade", help="accident grade, 国务院令第493号 Art. 3"
        )
        acc.add_argument("--deaths", default="0", help="deaths (死亡人数)")
        acc.add_argument(
            "--serious-injuries", default="0", help="serious injuries incl. acute poisoning"
        )
        acc.add_argument("--direct-loss-yuan", default="0", help="direct economic loss in yuan")

    def handle(self, *args, **options):
        try:
            result = getattr(self, "_" + options["calculator"].replace("-", "_"))(options)
        except StandardsError as exc:
            raise CommandError(str(exc), returncode=EXIT_BAD_INPUT) from None
        self.stdout.write(jsonio.dumps(result))

    def _lec(self, options):
        numbers = [to_decimal(options[k], f"--{k}") for k in ("l", "e", "c")]
        return risk.lec(*numbers, scheme=options["scheme"]).as_dict("d")

    def _ls(self, options):
        numbers = [to_decimal(options[k], f"--{k}") for k in ("l", "s")]
        return risk.ls(*numbers, scheme=options["scheme"]).as_dict("r")

    def _gb18218(self, options):
        path = Path(options["input"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise StandardsError(
                f"cannot read {path}: {exc.strerror if isinstance(exc, OSError) else exc}",
                f"无法读取文件 {path}",
            ) from None
        return gb18218.assess_request(jsonio.loads(text, source=str(path))).as_dict()

    def _safety_fee(self, options):
        amounts = {
            name: to_decimal(options[name], "--" + name.replace("_", "-"))
            for name in ("output_t", "output_1000m3", "revenue_yuan", "cost_yuan")
            if options[name] is not None
        }
        return safety_fee.safety_fee(options["sector"], options["category"], **amounts).as_dict()

    def _accident_grade(self, options):
        g = accident.grade(
            options["deaths"], options["serious_injuries"], options["direct_loss_yuan"]
        )
        return accident.grade_dict(g)

    def _uscc(self, options):
        return uscc.validate(options["code"])
