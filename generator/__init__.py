"""baocao: department workbooks → the monthly BC-UBND socio-economic report.

The pipeline, in module order: catalogue → workbooks (init, read, validate) → compute →
vi_numbers/periods/phrases (format) → printed (the period's figures as printed, once) →
narrative → compose (template, footnotes) → outputs.
``generator.pipeline`` is the library API the CLI (``generator.cli``) is a shell around.
"""
__version__ = "0.1.0"
