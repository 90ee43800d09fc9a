"""The report exporter sanitises the outputs in nbconvert's own parse of the page.

The bytes equal exporting and then sanitising the written page (the two-pass way), live markup is
gone.
"""

from __future__ import annotations

import base64

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from samenleven_analysis import config
from samenleven_analysis.reports import kernels
from samenleven_analysis.reports.kernels import export_html, export_report_html
from samenleven_analysis.reports.text import sanitize_report_html

PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
).decode()


def _notebook(path):
    nb = new_notebook()
    nb.metadata.language_info = {"name": "python"}
    nb.cells.append(new_markdown_cell("# Report <b>x</b> & more"))
    cell = new_code_cell("show()")
    cell.outputs = [
        new_output(
            "display_data",
            data={
                "text/html": '<style scoped>.df td {color: red;}</style><table class="df">'
                "<tr><td>Aalst &amp; Gent</td></tr></table>"
                '<script>alert(1)</script><a href="javascript:x()" onclick="y()">link</a>'
            },
        ),
        new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        new_output("stream", name="stdout", text="plain <i>text</i>\n"),
        new_output("display_data", data={"text/markdown": "| a | b |\n|---|---|\n| <x> | 1 |"}),
    ]
    nb.cells.append(cell)
    nbformat.write(nb, str(path))
    return path


def test_one_pass_export_equals_export_then_sanitise(tmp_path):
    src = _notebook(tmp_path / "r.ipynb")
    two = sanitize_report_html(export_html(src, tmp_path / "two.html"))
    one = export_report_html(src, tmp_path / "one.html")
    page = one.read_bytes()
    assert page == two.read_bytes()
    assert b"<script>alert" not in page and b"&lt;script&gt;alert(1)" in page  # text, not code
    assert b"javascript:" not in page and b"onclick" not in page
    assert b"Aalst &amp; Gent" in page and b"color: red" in page


# Bad inputs and faults that once passed silently or ended in a traceback (issue 11): each
# case asserts on the error's type and location, never its wording, and that nothing was written.
def test_the_runner_kernel_is_the_running_interpreter(tmp_path, monkeypatch):
    import sys

    bogus = tmp_path / "jupyter" / "kernels" / config.KERNEL_NAME
    bogus.mkdir(parents=True)
    (bogus / "kernel.json").write_text(
        '{"argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],'
        ' "display_name": "stale", "language": "python"}'
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    km = kernels.kernel_manager_class()(kernel_name=config.KERNEL_NAME)
    assert km.kernel_spec.argv[0] == sys.executable
