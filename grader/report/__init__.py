"""HTML reports: one per student (``render_student_report``) and one per class (``render_summary``).

Rendering only; writing the files is the batch module's job. Texts shown to readers come from
``labels.toml`` (the report's own headings) and the engine's ``messages.toml``.
"""
