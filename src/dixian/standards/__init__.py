"""Standards kernel: pure functions and data tables from published standards.

No Django here (a test enforces it): views, services and the ``dixian calc`` command call in.

- ``risk``        LEC (D = L × E × C) and the 5×5 risk matrix (R = L × S), four colours
- ``gb18218``     GB 18218-2018 major hazard identification (S) and grading (R)
- ``safety_fee``  enterprise safety production fees, 财资〔2022〕136号
- ``uscc``        unified social credit codes, GB 32100-2015

Tables live in ``data/`` (provenance in ``data/SOURCES.md``); where a source is uncertain the
value is data there, not a constant here.
"""
