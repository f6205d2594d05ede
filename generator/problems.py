"""Problems are data: every stage returns a list of them, never raises one at a time.

A Problem has a stable code, a severity (``lỗi`` blocks the build, ``cảnh báo`` does not),
a Vietnamese message saying what is wrong and what is expected, and its place.
The CLI table, ``kiem-tra.xlsx`` and (later) the web page are renderings of the same list.

Each code's messages live next to the code, in ``TABLE`` below (as frictionless-py's error
classes carry a code, a description and a message template): a call site names the message and
gives its fields, ``make("percent-cell:typed", where, title=…, text=…)``, and the message is
formatted here, in one place. A missing or unexpected field fails loudly (``TemplateFieldError``).
"""
from __future__ import annotations

import string
from dataclasses import asdict, dataclass, field

ERROR = "lỗi"
WARNING = "cảnh báo"
NOTE_LABEL = "Ghi chú của đơn vị"   # how a problem's ``note`` is introduced wherever it is shown


@dataclass(frozen=True)
class Problem:
    """One problem and one structured position: a workbook cell (``sheet`` + ``cell``, always an
    A1 reference a link can open), or a line of a CSV file / a row of a sheet (``line``, with
    the CSV ``column`` title when it is one cell of that line). ``department``: whose file.
    ``note``: the department's own «Ghi chú» on the indicator's row (its explanation of an
    estimate or a revision), shown beside the problem in every rendering."""
    code: str
    severity: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    indicator: str = ""
    line: int = 0
    column: str = ""
    department: str = ""
    note: str = ""

    @property
    def is_error(self) -> bool:
        """True for a ``lỗi`` (it blocks the build), False for a ``cảnh báo``."""
        return self.severity == ERROR

    @property
    def position(self) -> str:
        """Within the file, as a clerk reads it: ``F3``, ``dòng 8, cột Loại``, ``dòng 3``."""
        if self.cell:
            return self.cell
        if self.line:
            return f"dòng {self.line}" + (f", cột {self.column}" if self.column else "")
        return ""

    @property
    def place(self) -> str:
        """``file!sheet!position`` with the empty parts left out (``""`` for a problem of no file)."""
        parts = [p for p in (self.file, self.sheet, self.position) if p]
        return "!".join(parts)

    def to_dict(self) -> dict:
        """Every field and ``position``, as JSON-ready strings and numbers (the web's stored
        verdicts, the build manifest's warnings)."""
        return dict(asdict(self), position=self.position)

    def __str__(self) -> str:  # one line, as the CLI prints it
        where = self.place
        code = f" [{self.indicator}]" if self.indicator else ""
        note = f" ({NOTE_LABEL}: {self.note})" if self.note else ""
        return f"{self.severity.upper()}: {where}{code}: {self.message}{note}" if where else \
            f"{self.severity.upper()}{code}: {self.message}{note}"


def has_errors(problems) -> bool:
    """True when any of the Problems (an iterable) is an error."""
    return any(p.is_error for p in problems)


# the commands' exit codes (README «Các lệnh»): 0 done, 1 the inputs have errors, 2 wrong usage, 3 anything else
EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_OTHER = 0, 1, 2, 3


class BaocaoError(Exception):
    """A failure that is not the inputs' fault (template, settings, missing program).

    Its message is Vietnamese and shown to the user as is; the CLI exits 3.
    """


class UsageError(BaocaoError):
    """The command was used the wrong way (a weak password, an account name already taken,
    ``restore`` into a folder with data and no ``--force``): the CLI exits 2."""


class InputError(BaocaoError):
    """The inputs (catalogue, workbooks) have errors; ``problems`` lists them all. Exit 1."""

    def __init__(self, message: str, problems=()):
        super().__init__(message)
        self.problems = list(problems)


class TemplateFieldError(TypeError):
    """A problem's message was asked for without one of its template's fields, or with a field
    the template does not have: a programming error, never shown to a user."""


@dataclass(frozen=True)
class Template:
    """One message of a code: its severity and its Vietnamese text, ``str.format`` style
    (``{name}`` fields, ``{{``/``}}`` for a brace). ``fields``: the names the text needs."""
    severity: str
    text: str
    fields: frozenset = field(init=False, default=frozenset())

    def __post_init__(self):
        names = set()
        for _, name, _, _ in string.Formatter().parse(self.text):
            if name is None:
                continue
            base = name.split(".")[0].split("[")[0]
            if not base.isidentifier():
                raise ValueError(f"problem template with a positional field: {self.text!r}")
            names.add(base)
        object.__setattr__(self, "fields", frozenset(names))

    def format(self, key: str, fields: dict) -> str:
        """The text with ``fields`` filled in; ``TemplateFieldError`` (naming ``key``) when a
        field the text uses is not given or a given one is not used."""
        missing, extra = self.fields - fields.keys(), fields.keys() - self.fields
        if missing or extra:
            raise TemplateFieldError(f"problem message {key!r}: " + "; ".join(
                part for part in (missing and f"missing fields {sorted(missing)}",
                                  extra and f"unexpected fields {sorted(extra)}") if part))
        return self.text.format_map(fields)


def E(text: str) -> Template:
    """An error's message (the table below reads E(…) an error, W(…) a warning)."""
    return Template(ERROR, text)


def W(text: str) -> Template:
    """A warning's message."""
    return Template(WARNING, text)


class Code:
    """A problem code: its meaning (kiem-tra.xlsx shows it beside each problem) and its
    messages, the code's own (``Code("x", meaning, E(…))``, made as ``"x"``) and named ones
    (``Code("x", meaning, typed=E(…))``, made as ``"x:typed"``)."""

    def __init__(self, code: str, meaning: str, own: Template | None = None, /, **named: Template):
        self.code, self.meaning = code, meaning
        self.templates = ({"": own} if own is not None else {}) | named

    def keys(self) -> dict:
        """{message key: Template}: ``code`` for the code's own message, ``code:name`` for a named one."""
        return {(self.code + ":" + name if name else self.code): t for name, t in self.templates.items()}


# Phrases several messages end with
SAVE_AS = "hãy mở tệp bằng Excel rồi lưu lại dạng «Excel Workbook (.xlsx)» và gửi lại"
_UNIT_NOT_CONVERTED = (
    "«{column}» của «{name}» ({code}) đã lưu ở {where} là {value} {stored_unit} ({file}!{sheet}!{cell}), nhưng nay chỉ "
    "tiêu tính bằng «{unit}» và bảng đổi đơn vị ({units_file}) không có cách đổi «{stored_unit}» sang «{unit}»: hãy nhập "
    "số này theo đơn vị «{unit}» vào ô này, hoặc đề nghị Văn phòng khai báo hệ số đổi")
_SPELLING = "mã chỉ tiêu viết chữ in hoa như trong danh mục, từ sau dấu hai chấm viết thường không dấu, không có khoảng trắng"
_VERBATIM = "; muốn in nguyên văn thì viết ngoặc tròn thay cho ngoặc nhọn"
_TOO_MANY = " khác (chỉ hiện {limit} mục đầu; thường là cùng một lỗi lặp lại): hãy sửa các mục đã nêu rồi gửi lại"
_FROM_STORE = ("Không có tệp {file} trong thư mục kỳ {period}: dùng nguyên lần nộp đã nhận của «{name}» lúc {at} (lần "
               "nộp {revision}, tệp {stored_file}), cả số liệu và thuyết minh")
_UNPRINTABLE = (", thường do dán từ chương trình khác: đã bỏ các ký tự này khỏi thuyết minh; hãy xem lại nội dung ô")
_EARLIER_DIFFERS = ("; báo cáo kỳ {report_period} không dùng số đã cũ thay cho tệp này: hãy chạy «baocao check --period "
                    "{period}» và sửa tệp, hoặc bỏ tệp khỏi thư mục nếu đó không phải bản đúng")
_MOVE = ": hãy chuyển đoạn này sang mục của đơn vị ({mine}), hoặc đề nghị Văn phòng cho phép (cai-dat.toml, mục [muc_don_vi])"
_NEW_ROW = ": hãy ghi «Đến kỳ» cho dòng chỉ tiêu này và thêm một dòng mới (cùng mã) với đơn vị báo cáo mới từ kỳ sau"

# Every problem code, in one place, with what it means (kiem-tra.xlsx shows it beside each
# problem; tests/test_docs.py checks that the package uses exactly these codes).
TABLE = (
    # the catalogue, the list of departments, the unit table (templates/)
    Code("catalogue-missing", "thiếu tệp danh mục (chi-tieu.csv, don-vi.csv)",
         E("Không tìm thấy tệp danh mục {name}")),
    Code("catalogue-encoding", "tệp danh mục không lưu dạng CSV UTF-8",
         E("Tệp {name} không phải văn bản UTF-8; hãy lưu lại dạng «CSV UTF-8»")),
    Code("catalogue-empty", "tệp danh mục không có dòng nào",
         E("Tệp {name} trống")),
    Code("catalogue-column", "thiếu cột bắt buộc ở dòng tiêu đề của tệp danh mục",
         E("Thiếu cột «{column}» ở dòng tiêu đề"),
         several=E("Thiếu cột {columns} ở dòng tiêu đề")),
    Code("catalogue-period", "«Từ kỳ», «Đến kỳ» không phải kỳ YYYY-MM hoặc đảo ngược",
         E("«{text}» không hợp lệ: ghi kỳ dạng YYYY-MM (ví dụ 2025-07) hoặc để trống"),
         reversed=E("«Đến kỳ» {until} trước «Từ kỳ» {since}")),
    Code("department-code", "mã đơn vị không hợp lệ",
         E("Mã đơn vị «{code}» không hợp lệ: chỉ dùng chữ thường không dấu, số và dấu gạch ngang (ví dụ so-cong-thuong)")),
    Code("department-duplicate", "mã đơn vị trùng",
         E("Mã đơn vị «{code}» bị trùng (đã có ở dòng {line})"),
         overlap=E("Mã đơn vị «{code}» bị trùng (đã có ở dòng {line}): hai khoảng hiệu lực {span} và {other_span} chồng nhau")),
    Code("department-name", "đơn vị chưa có tên",
         E("Đơn vị «{code}» chưa có tên")),
    Code("indicator-code", "mã chỉ tiêu không hợp lệ",
         E("Mã chỉ tiêu «{code}» không hợp lệ: chỉ dùng chữ in hoa không dấu, số và dấu gạch dưới, bắt đầu bằng chữ (ví dụ "
           "XNK_TONG)")),
    Code("indicator-duplicate", "mã chỉ tiêu trùng (hoặc hai khoảng hiệu lực chồng nhau)",
         E("Mã chỉ tiêu «{code}» bị trùng (đã có ở dòng {line})"),
         overlap=E("Mã chỉ tiêu «{code}» bị trùng (đã có ở dòng {line}): hai khoảng hiệu lực {span} và {other_span} chồng "
                   "nhau; một mã có thể có nhiều dòng (đổi đơn vị báo cáo, đơn vị tính, tên) nhưng «Từ kỳ» – «Đến kỳ» không "
                   "được chồng nhau")),
    Code("indicator-name", "chỉ tiêu chưa có tên",
         E("Chỉ tiêu chưa có tên")),
    Code("indicator-department", "chỉ tiêu ghi đơn vị báo cáo không có trong danh sách đơn vị",
         E("Đơn vị báo cáo «{department}» không có trong {file}")),
    Code("indicator-department-ended", "đơn vị báo cáo của chỉ tiêu đã thôi hoạt động trong kỳ chỉ tiêu còn hiệu lực",
         E("Chỉ tiêu «{code}» ({span}) do đơn vị «{name}» báo cáo, nhưng đơn vị này chỉ hoạt động đến kỳ {last}" + _NEW_ROW),
         since=E("Chỉ tiêu «{code}» ({span}) do đơn vị «{name}» báo cáo, nhưng đơn vị này chỉ hoạt động từ kỳ {first}" + _NEW_ROW),
         between=E("Chỉ tiêu «{code}» ({span}) do đơn vị «{name}» báo cáo, nhưng đơn vị này chỉ hoạt động từ kỳ {first} đến kỳ "
                   "{last}" + _NEW_ROW)),
    Code("indicator-kind", "loại chỉ tiêu không hợp lệ",
         E("Loại «{kind}» không hợp lệ: cần một trong {kinds}")),
    Code("indicator-decimals", "số chữ số thập phân không hợp lệ",
         E("«{text}» không hợp lệ: cần một số nguyên từ 0 đến 6")),
    Code("indicator-plan", "cột «Kế hoạch» không hợp lệ",
         E("«{text}» không hợp lệ: để trống hoặc ghi «kế hoạch», «dự toán», «không»")),
    Code("indicator-flag", "cột có/không ghi giá trị khác",
         E("«{text}» không hợp lệ: ghi «có» hoặc «không»")),
    Code("indicator-number", "dung sai hoặc ngưỡng không phải số không âm",
         E("«{text}» không hợp lệ: cần một số không âm (%)")),
    Code("indicator-parent", "chỉ tiêu cha không có trong danh mục",
         E("Chỉ tiêu cha «{parent}» không có trong danh mục")),
    Code("indicator-cycle", "chỉ tiêu cha - con tạo thành vòng",
         E("Vòng lặp chỉ tiêu cha - thành phần: {cycle}")),
    Code("indicator-annex", "cột «Phụ lục» không phải số thứ tự",
         E("«{text}» không hợp lệ: để trống (không đưa vào phụ lục) hoặc ghi số thứ tự trong phụ lục (1, 2, 3…)")),
    Code("unit-row", "dòng của bảng đổi đơn vị thiếu đơn vị",
         E("Cần ghi cả «Từ đơn vị» và «Sang đơn vị»")),
    Code("unit-factor", "hệ số đổi đơn vị không phải số dương",
         E("Hệ số «{text}» không hợp lệ: cần một số dương viết kiểu Việt Nam, ví dụ 0,001 hoặc 1000 (không dùng dấu chấm "
           "phân cách nghìn ở đây)")),
    Code("unit-duplicate", "một cặp đơn vị được khai hai lần",
         E("Cặp đơn vị «{src}» – «{dst}» đã khai báo ở dòng trước")),
    # the workbook as a file
    Code("not-a-workbook", "tệp không phải bảng tính Excel (.xlsx) hoặc đã hỏng",
         bad_xml=E("Phần {name} của tệp không phải XML hợp lệ ({reason}): " + SAVE_AS),
         cell_address=E("Sheet «{name}» có ô mang địa chỉ không hợp lệ («{ref}»): " + SAVE_AS),
         cell_outside_row=E("Sheet «{name}»: ô {ref} nằm trong dòng {row_no} (tệp ghi không đúng chuẩn): " + SAVE_AS),
         cell_twice=E("Sheet «{name}»: ô {coord} được ghi hai lần trong tệp (tệp ghi không đúng chuẩn, không biết giá trị nào đúng): " + SAVE_AS),
         cell_type=E("Sheet «{sheet}», ô {coord} có kiểu dữ liệu lạ («{kind}»): " + SAVE_AS),
         dtd=E("Phần {name} của tệp khai báo DTD/thực thể XML (có thể là tệp độc hại), không được đọc: " + SAVE_AS),
         merged_range=E("Sheet «{name}» có vùng ô gộp không đọc được («{ref}»): " + SAVE_AS),
         no_workbook_part=E("Tệp nén không chứa bảng tính Excel (không có phần workbook): " + SAVE_AS),
         not_excel=E("Tệp không phải bảng tính Excel (.xlsx) (có thể là tệp khác bị đổi tên): hãy mở bằng Excel và lưu dạng «Excel "
                     "Workbook (.xlsx)»"),
         not_xls=E("Tệp mang đuôi .xls nhưng không phải bảng tính Excel 97-2003"),
         number_unreadable=E("Sheet «{sheet}», ô {coord}: giá trị số không đọc được («{value}»): " + SAVE_AS),
         part_corrupt=E("Tệp .xlsx bị hỏng (phần {filename} không giải nén được): hãy gửi lại tệp"),
         sheet_part_missing=E("Không tìm thấy phần dữ liệu của sheet «{name}» trong tệp (tệp do chương trình khác ghi không đúng chuẩn): " + SAVE_AS),
         sheet_unreadable=E("Sheet «{title}» không đọc được (tệp lưu theo cách phần mềm không đọc được): " + SAVE_AS),
         string_missing=E("Sheet «{sheet}», ô {coord} trỏ tới chuỗi không có trong tệp: " + SAVE_AS),
         style_missing=E("Sheet «{name}», ô {coord} dùng định dạng số thứ {shown} mà tệp không có (tệp ghi không đúng chuẩn): " + SAVE_AS),
         truncated=E("Tệp .xlsx bị hỏng hoặc bị cắt cụt (gửi chưa hết?): hãy gửi lại tệp"),
         twin_parts=E("Tệp chứa hai phần cùng tên «{filename}» (khác nhau chữ hoa, chữ thường hoặc dấu phân cách): không biết đọc phần "
                      "nào; " + SAVE_AS),
         unexpected=E("{why}; hãy mở lại bằng Excel và lưu dạng «Excel Workbook (.xlsx)»"),
         unknown_element=E("{where} có phần tử lạ «{name}» mà phần mềm không đọc được (tệp do chương trình khác ghi không đúng chuẩn, không "
                           "biết Excel hiển thị gì ở đó): " + SAVE_AS),
         xls_as_xlsx=E("Tệp là bảng tính Excel 97-2003 nhưng mang đuôi .xlsx: hãy đổi đuôi thành .xls hoặc lưu lại dạng «Excel Workbook "
                       "(.xlsx)»"),
         xls_cell_type=E("Sheet «{name}», ô {coord} có kiểu dữ liệu lạ: " + SAVE_AS),
         xls_unreadable=E("Không đọc được tệp .xls ({reason}): " + SAVE_AS)),
    Code("wrong-format", "biểu lưu dạng khác .xlsx (.ods, .csv…)",
         E("Biểu của «{name}» được lưu dạng «{suffix}», phần mềm chỉ đọc bảng tính Excel: hãy mở tệp rồi chọn «Lưu thành» "
           "(Save As) dạng «Excel Workbook (.xlsx)» và gửi lại tệp {file}")),
    Code("sheet-duplicate", "hai sheet trùng tên (khác nhau chỉ ở khoảng trắng, chữ hoa hay kiểu gõ dấu)",
         E("Biểu có các sheet trùng tên khi bỏ khoảng trắng thừa và dấu gõ khác kiểu: {sheets}: hãy xóa hoặc đổi tên để "
           "mỗi sheet một tên rồi gửi lại")),
    Code("two-workbooks", "hai biểu của cùng một đơn vị trong thư mục kỳ (.xlsx và .xls…)",
         E("Thư mục kỳ {period} có {count} biểu của «{name}»: {files}: không biết đọc tệp nào; hãy giữ lại một tệp (bản "
           "đúng) và chuyển các tệp còn lại ra khỏi thư mục")),
    Code("password-protected", "biểu đặt mật khẩu mở tệp",
         E("Biểu được đặt mật khẩu mở tệp nên không đọc được: hãy bỏ mật khẩu (File > Info > Protect Workbook) rồi gửi lại"),
         plain=E("Biểu được đặt mật khẩu mở tệp nên không đọc được: hãy bỏ mật khẩu rồi gửi lại")),
    Code("empty-file", "tệp rỗng",
         E("Tệp rỗng (0 byte): hãy gửi lại biểu đã điền")),
    Code("file-too-large", "tệp lớn quá giới hạn",
         E("Tệp nặng {size}, vượt giới hạn {max_file_bytes} của một biểu")),
    Code("part-too-large", "một phần của tệp giải nén lớn quá giới hạn",
         E("Một phần của tệp ({filename}) giải nén ra {file_size}, vượt giới hạn {max_part_bytes}: biểu có quá nhiều dòng "
           "hoặc dữ liệu thừa"),
         streamed=E("Một phần của tệp ({big}) giải nén ra hơn {value} MB: biểu có quá nhiều dòng hoặc dữ liệu thừa")),
    Code("zip-bomb", "tệp nén bất thường (tỷ lệ nén quá lớn)",
         E("Tệp giải nén ra {total}, vượt giới hạn {max_unzipped_bytes}: không đọc tệp này (tệp hỏng hoặc độc hại)")),
    Code("too-large-sheet", "sheet có ô ở ngoài giới hạn dòng, cột",
         E("Sheet «{sheet}» có dữ liệu ở ô {cell}, ngoài giới hạn {rows} dòng × {columns} cột của một biểu: hãy xóa các ô "
           "thừa (Ctrl+End cho biết ô cuối cùng có dữ liệu) rồi gửi lại")),
    Code("too-many-rows", "sheet «Chỉ tiêu» có quá nhiều dòng",
         E("Sheet có {max_row} dòng, vượt giới hạn {max_rows} dòng số liệu; chỉ đọc {max_rows} dòng đầu")),
    Code("active-content", "biểu có macro, liên kết ngoài, đối tượng nhúng hoặc công thức gọi ra ngoài",
         E("Biểu chứa {what}, không được nhận vì lý do an toàn: hãy mở tệp, chép phần số liệu sang biểu mẫu trống của Văn "
           "phòng (dán dạng giá trị: Paste Special > Values) rồi lưu dạng «Excel Workbook (.xlsx)» và gửi lại"),
         xls_macro=E("Biểu chứa macro (VBA), không được nhận vì lý do an toàn: hãy chép số liệu sang biểu mẫu trống của Văn phòng và "
           "lưu dạng «Excel Workbook (.xlsx)»")),
    Code("unreadable", "không đọc được tệp trong giới hạn bộ nhớ, thời gian",
         E("Không đọc được tệp trong giới hạn an toàn ({why}): tệp có thể bị hỏng hoặc được tạo bất thường; hãy mở bằng "
           "Excel, lưu lại dạng «Excel Workbook (.xlsx)» rồi gửi lại")),
    Code("identity-missing", "biểu không mang thông tin kỳ, đơn vị (không phải biểu do Văn phòng gửi)",
         W("Biểu không mang dấu nhận dạng kỳ báo cáo và đơn vị (không phải biểu mẫu Văn phòng gửi cho kỳ này); không kiểm "
           "tra được kỳ và đơn vị")),
    Code("wrong-period", "biểu của kỳ khác",
         E("Đây là biểu của kỳ {got_period}, không phải kỳ {period} đang nộp: hãy tải biểu của kỳ {period} và điền vào đó")),
    Code("wrong-department", "biểu của đơn vị khác",
         E("Đây là biểu của «{got}», không phải của «{own}»: có thể đã chọn nhầm tệp hoặc chép nhầm biểu của đơn vị "
           "khác; hãy gửi biểu của chính đơn vị mình"),
         every_row=E("Đây là biểu của «{got}», không phải của «{own}»: có thể đã chọn nhầm tệp; hãy gửi biểu của chính đơn vị "
                     "mình")),
    Code("bad-period", "kỳ ghi trong tệp nhập lịch sử không hợp lệ",
         E("{reason}")),
    Code("sheet-missing", "thiếu sheet «Chỉ tiêu»",
         E("Không có sheet «{sheet}»; các sheet hiện có: {sheets}; hãy dùng biểu mẫu Văn phòng gửi"),
         near=E("Không có sheet «{sheet}» (có sheet «{near}»: hãy đổi tên đúng là «{sheet}»)"),
         history=E("Không có sheet «{sheet_data}»"),
         narrative_near=E("Không có sheet «{sheet_text}» nhưng có sheet «{near}»: phần thuyết minh chưa được đọc; hãy đổi tên sheet đúng "
                          "là «{sheet_text}»")),
    Code("sheet-hidden", "sheet bị ẩn",
         W("Sheet «{sheet}» đang bị ẩn; vẫn đọc số liệu"),
         narrative=W("Sheet «{sheet}» đang bị ẩn; thuyết minh trong đó vẫn được in vào báo cáo")),
    Code("row-hidden", "dòng bị ẩn",
         W("Dòng {row} đang bị ẩn; vẫn đọc số liệu"),
         narrative=W("Dòng {row} đang bị ẩn; đoạn thuyết minh này vẫn được in vào báo cáo (không muốn in thì xóa dòng)")),
    Code("header-missing", "thiếu hoặc sai tiêu đề cột",
         E("Không tìm thấy dòng tiêu đề có ô «{column}» trong {rows} dòng đầu; tiêu đề cần có: {headers}"),
         plan2=E("Thiếu cột «{column}» (kế hoạch thứ hai của {codes}) ở dòng tiêu đề {row}; hãy dùng biểu mẫu Văn phòng gửi cho "
                 "kỳ này"),
         column=E("Thiếu cột «{title}» ở dòng tiêu đề {row} (kiểm tra chính tả, viết đúng «{title}»); các số của cột này "
                  "chưa được đọc"),
         column_near=E("Thiếu cột «{title}» ở dòng tiêu đề {row} (có cột «{near}» ở ô {cell}: hãy sửa tiêu đề thành đúng "
                       "«{title}»); các số của cột này chưa được đọc"),
         history_header=E("Cần dòng tiêu đề có «{col_period}», «{col_code}» và các cột số liệu"),
         narrative_column=E("Sheet «{sheet}» thiếu cột «{text_body}»"),
         narrative_header=E("Sheet «{sheet}» thiếu dòng tiêu đề «{text_section}», «{text_body}»")),
    Code("header-duplicate", "tiêu đề cột lặp lại",
         E("Cột «{title}» xuất hiện {count} lần (các cột {columns}); chỉ giữ một cột")),
    Code("unit-column-differs", "đơn vị tính trong biểu khác danh mục (biểu mẫu cũ)",
         E("Biểu ghi đơn vị tính «{unit}» cho «{name}», nhưng kỳ {data} chỉ tiêu này tính bằng «{unit2}»: biểu được làm từ "
           "mẫu cũ; hãy nhập số theo «{unit2}» vào biểu mẫu mới của kỳ")),
    Code("merged-cell", "ô gộp trong vùng số liệu",
         E("Ô {coordinate} nằm trong vùng ô gộp; hãy bỏ gộp ô và nhập số vào từng ô")),
    # the figures
    Code("unknown-indicator", "mã chỉ tiêu không có trong danh mục",
         E("Mã chỉ tiêu «{code}» không có trong danh mục")),
    Code("duplicate-indicator", "mã chỉ tiêu lặp lại trong biểu",
         E("Mã chỉ tiêu «{code}» lặp lại (đã có ở dòng {seen})"),
         history=E("Chỉ tiêu «{code}» kỳ {period} lặp lại (đã có ở dòng {seen})")),
    Code("missing-indicator", "thiếu dòng của một chỉ tiêu",
         E("Thiếu dòng của chỉ tiêu «{code}» ({name}); hãy dùng biểu mẫu Văn phòng gửi cho kỳ này")),
    Code("foreign-indicator", "chỉ tiêu của đơn vị khác",
         E("Chỉ tiêu «{code}» thuộc đơn vị «{value}», không thuộc biểu của đơn vị này: hãy xóa dòng này")),
    Code("required-empty", "ô bắt buộc để trống",
         E("Chưa nhập «{label}» của chỉ tiêu bắt buộc «{name}» ({unit})")),
    Code("optional-empty", "ô không bắt buộc để trống",
         W("Chưa nhập «{label}» của «{name}»; báo cáo sẽ không có phần so sánh tương ứng")),
    Code("not-a-number", "ô số chứa chữ, ngày tháng hoặc đúng/sai",
         boolean=E("Ô «{title}» chứa giá trị đúng/sai ({value}); cần một số"),
         date=E("Ô «{title}» chứa ngày tháng ({value}); cần một số — kiểm tra định dạng ô"),
         text=E("Ô «{title}» chứa chữ: {reason}")),
    Code("text-number", "số viết dạng chữ (đã đọc được)",
         W("Ô «{title}» ghi số dạng chữ «{text}»; đã đọc là {value}; nên nhập dạng số"),
         percent=W("Ô «{title}» ghi số dạng chữ «{text}»; đã đọc là {value} (bỏ dấu %); nên nhập dạng số")),
    Code("ambiguous-number", "số viết không rõ nghĩa (1.234 hay 1,234?)",
         E("Ô «{title}» ghi «{text}» dạng chữ, đọc được hai cách: «{vi}» hoặc «{en}»; hãy xóa ô rồi nhập lại số vào ô dạng "
           "số (Number) để không còn nhầm")),
    Code("excel-error", "ô có lỗi công thức (#DIV/0!…)",
         E("Ô «{title}» chứa lỗi công thức {value}; cần một số"),
         narrative=E("Ô chứa lỗi công thức {value}, không phải thuyết minh: hãy sửa công thức hoặc gõ lại nội dung"),
         note=E("Ô «{col_note}» chứa lỗi công thức {value}: hãy sửa công thức hoặc xóa ô"),
         typed=E("Ô «{title}» chứa lỗi công thức {text}; cần một số")),
    Code("formula-no-value", "công thức chưa có giá trị tính sẵn",
         E("Ô có công thức «{formula}» nhưng không có giá trị đã tính (tệp do chương trình khác ghi, chưa được Excel tính "
           "lại): hãy mở bằng Excel, lưu lại, hoặc nhập số trực tiếp")),
    Code("percent-cell", "ô định dạng phần trăm",
         shown=W("Ô «{title}» định dạng phần trăm: Excel lưu {number}, hiển thị {shown}%; đã đọc là {shown} (đơn vị %)"),
         stored=E("Ô «{title}» định dạng phần trăm (hiển thị {shown}%, Excel lưu {number}), nhưng «{name}» tính bằng «{unit}»: hãy "
                  "đặt định dạng ô là số (Number) và nhập số theo «{unit}»"),
         typed=E("Ô «{title}» ghi «{text}» (có dấu %), nhưng «{name}» tính bằng «{unit}»: hãy nhập số theo «{unit}», không có dấu "
                 "%")),
    Code("conditional-number-format", "định dạng có điều kiện đổi cách hiển thị số của ô",
         E("Ô «{title}» có định dạng có điều kiện (Conditional Formatting) đổi cách hiển thị số thành «{shown}»: không biết "
           "số nào là số đơn vị thấy; hãy xóa định dạng có điều kiện của ô (Home > Conditional Formatting > Clear Rules) và "
           "nhập số theo «{unit}»")),
    Code("number-too-large", "số quá lớn, báo cáo không tính và in được (từ 10^15 trở lên)",
         E("Ô «{title}» ghi {value}: số quá lớn, báo cáo không tính và in được (trị tuyệt đối phải nhỏ hơn {limit}); hãy "
           "kiểm tra lại số (gõ thừa chữ số, nhầm đơn vị) và nhập số theo «{unit}»")),
    Code("figure-too-large", "số tính ra quá lớn để in (chia cho một số gốc rất nhỏ)",
         E("«{what}» của «{name}» ({code}) tính ra {value}%, quá lớn để in (trị tuyệt đối phải nhỏ hơn {limit}): tính từ "
           "{parts}; hãy kiểm tra lại các số này (số gốc gõ nhầm quá nhỏ, nhầm đơn vị)")),
    Code("not-applicable", "cột không áp dụng cho loại chỉ tiêu",
         W("Cột «{title}» không áp dụng cho chỉ tiêu {kind_name}; giá trị này bị bỏ qua")),
    Code("negative", "số âm khi không cho phép",
         E("«{label}» là số âm ({value}); chỉ tiêu «{name}» không nhận số âm")),
    Code("not-integer", "số lẻ ở chỉ tiêu số nguyên",
         E("«{label}» phải là số nguyên (số đếm), đang là {value}")),
    Code("plan-zero", "kế hoạch bằng 0",
         W("Kế hoạch năm bằng 0: không tính được tỷ lệ % {plan_word}; kiểm tra lại số liệu")),
    Code("cumulative-below-month", "lũy kế nhỏ hơn số tháng",
         E("Lũy kế ({cumulative}) nhỏ hơn số thực hiện tháng ({month}); lũy kế từ đầu năm phải lớn hơn hoặc bằng số tháng")),
    Code("january-cumulative", "tháng 1: số tháng khác lũy kế",
         E("Tháng 1: số liệu tháng và lũy kế từ đầu năm cùng tính từ ngày {day}/12 năm trước, nên phải bằng nhau, "
           "nhưng «{month_label}» ({month_cell}) là {month} còn «{cumulative_label}» ({cumulative_cell}) là {cumulative}: "
           "lũy kế tháng 1 không cộng số tháng 12 năm trước")),
    Code("far-from-last-year", "lệch nhiều so với cùng kỳ",
         W("«{label}» ({value}) lệch {change} so với cùng kỳ ({last_year}), vượt ngưỡng ±{far}: kiểm tra lại số liệu")),
    Code("components-sum", "tổng các chỉ tiêu thành phần lệch chỉ tiêu cha",
         W("Tổng các chỉ tiêu thành phần ({label}) là {sum}, lệch {diff} {unit} so với chỉ tiêu cha {total} (dung sai "
           "{tolerance}%): {codes}")),
    Code("cumulative-jump", "lũy kế không bằng lũy kế kỳ trước cộng số tháng",
         W("Lũy kế {cumulative} khác lũy kế kỳ trước {previous} (biểu đã nộp của kỳ trước) cộng số tháng {month} = {expected}: lệch "
           "{diff} {unit} (nếu là điều chỉnh số ước tính kỳ trước thì ghi rõ ở cột «Ghi chú»)")),
    Code("plan-changed", "kế hoạch năm khác kỳ trước",
         W("{label} {plan} khác số đã báo ở kỳ {period} ({stored}): kế hoạch thay đổi trong năm?")),
    Code("last-year-differs", "số cùng kỳ khác số đã nhận năm trước",
         W("«{column}» ghi {value}, nhưng số đã lưu của cùng kỳ năm trước là {stored} (biểu năm trước, "
           "{file_name}!{sheet}!{cell})")),
    Code("same-as-previous", "số liệu giống hệt kỳ trước",
         W("Số liệu tháng và lũy kế của «{name}» giống hệt kỳ trước ({previous}): có thể đã gửi nhầm biểu kỳ trước hoặc chưa "
           "cập nhật số liệu")),
    Code("unit-changed", "số liệu đã lưu có đơn vị khác, không đổi được",
         E(_UNIT_NOT_CONVERTED),
         prefill=W(_UNIT_NOT_CONVERTED),
         earlier=W("«{name}» ({code}): {file} ghi «{column}» theo «{unit}», nay tính bằng «{new_unit}» và bảng đổi đơn vị "
                   "không có cách đổi: để trống ô «{target}»")),
    Code("quarter-incomplete", "thiếu số của một tháng trong quý",
         W("Không tính được số quý {quarter} của «{name}»: thiếu số tháng của kỳ {missing}; báo cáo không in số quý thay vì "
           "đoán"),
         period_empty=W("Không tính được số quý {quarter} của {count} chỉ tiêu cộng dồn ({names}): chưa có số liệu nào của kỳ {months} "
                        "(chưa nộp biểu hay nhập lịch sử của kỳ đó; nhập bằng «baocao import-history»); báo cáo không in số quý thay vì "
                        "đoán")),
    Code("import-conflict", "tệp nhập lịch sử ghi một số khác số đã nhập trước cho cùng kỳ, đơn vị, chỉ tiêu",
         E("«{column}» của {code} kỳ {period} ({department}) được ghi hai lần với hai số khác nhau: tệp này ghi {value} "
           "({file}!{sheet}!{cell}), lần nhập trước ghi {stored} (lần nộp {revision}, {stored_file}!{stored_sheet}!"
           "{stored_cell}); hãy sửa một trong hai cho đúng (chỉ tiêu đã có số thì không nhập lại số khác)")),
    Code("import-over-workbook", "tệp nhập lịch sử thêm số liệu vào kỳ đã có biểu trong thư mục",
         E("Kỳ {period} của {dept} đã có biểu {period}/{name} trong thư mục biểu, là lần nộp của kỳ đó: tệp nhập lịch sử "
           "không thêm được số liệu ({added}) vào kỳ này; hãy điền các số đó vào biểu rồi chạy «baocao check --period "
           "{period}»")),
    # the narrative
    Code("markup-unknown-code", "thuyết minh gọi mã chỉ tiêu không có",
         E("Mã chỉ tiêu «{code}» trong «{raw}» không có trong danh mục"),
         near=E("Mã chỉ tiêu «{code}» trong «{raw}» không có trong danh mục; có phải «{near}»?"),
         word_only=E("«{raw}»: thiếu mã chỉ tiêu, viết «{{MÃ:{word}}}» với MÃ là mã trong danh mục" + _VERBATIM),
         misspelt=E("«{raw}»: «{code}» không phải mã chỉ tiêu nào trong danh mục (" + _SPELLING + ")" + _VERBATIM)),
    Code("markup-unknown-measure", "thuyết minh gọi {MÃ:từ} với từ không có",
         E("«{raw}»: «{word}» không hợp lệ; dùng một trong: {words}"),
         near=E("«{raw}»: «{word}» không hợp lệ; có phải «{{{code}:{near}}}»? dùng một trong: {words}")),
    Code("markup-no-figure", "thuyết minh gọi số liệu không có",
         W("«{ref}» không tính được vì thiếu số liệu (kế hoạch, cùng kỳ hoặc số thực hiện của {code}); báo cáo sẽ in "
           "«{missing}»"),
         previous_month=W("«{ref}» so sánh với tháng trước nhưng thiếu số thực hiện tháng trước của {code} (biểu tháng trước "
                          "chưa nộp hoặc chưa có số tháng đó); báo cáo sẽ in «{missing}»"),
         this_month=W("«{ref}» so sánh với tháng trước nhưng thiếu số thực hiện tháng này của {code}; báo cáo sẽ in «{missing}»")),
    Code("markup-malformed", "{MÃ:từ} viết sai cách (chữ hoa, chữ thường, dấu, khoảng trắng)",
         E("«{raw}» viết sai cách: có phải «{meant}»? (" + _SPELLING + ")")),
    Code("markup-not-applicable", "từ {MÃ:từ} không dùng được cho loại chỉ tiêu",
         E("{reason}")),
    Code("markup-no-base", "tỷ lệ so với số bằng 0 hoặc âm",
         E("«{ref}»: {label} là {base}, không tính được tỷ lệ phần trăm so với số bằng 0; bỏ từ này hoặc sửa số liệu"),
         negative=E("«{ref}»: {label} là {base}, không tính được tỷ lệ phần trăm so với số âm; bỏ từ này hoặc sửa số liệu")),
    Code("change-no-base", "so với số bằng 0 hoặc âm: in chênh lệch thay cho tỷ lệ",
         W("«{ref}»: {label} là {base} (bằng 0), nên không có tỷ lệ phần trăm so với số đó; báo cáo in chênh lệch tuyệt "
           "đối: «{printed}»"),
         negative=W("«{ref}»: {label} là {base} (số âm), nên không có tỷ lệ phần trăm so với số đó; báo cáo in chênh lệch "
                    "tuyệt đối: «{printed}»")),
    Code("markup-emphasis", "dấu nghiêng, đậm (*, **) mở mà không đóng: in nguyên dấu sao",
         W("{reason}")),
    Code("markup-stray-close", "dấu đóng chú thích «]]» thừa",
         E("Có «]]» không có «[[» mở tương ứng (ở ký tự thứ {position})")),
    Code("markup-unclosed-note", "chú thích «[[» chưa đóng",
         E("Chú thích mở bằng «[[» ở ký tự thứ {position} chưa được đóng bằng «]]»")),
    Code("markup-nested-note", "chú thích lồng trong chú thích",
         E("Chú thích không được lồng trong chú thích khác")),
    Code("direction-conflict", "chữ tăng/giảm viết tay trái với số liệu",
         W("Viết «{word}» nhưng số liệu {figure} {compared} ({code}): sửa chữ, hoặc dùng «{{{code}:tang_giam}}» để phần "
           "mềm tự viết tăng/giảm"),
         rounded=W("Viết «{word}» trước «{ref}», nhưng mức thay đổi làm tròn là {figure}: báo cáo sẽ in «{word} {figure}»; "
                   "dùng «{{{code}:tang}}» (in «{same}» khi thay đổi không đáng kể)")),
    Code("direction-doubled", "chữ tăng/giảm viết trước từ đã tự in tăng/giảm",
         W("Viết «{word}» ngay trước «{ref}», mà «{ref}» tự in chữ chỉ chiều («{text}»): báo cáo sẽ in «{word} {text}»; "
           "bỏ chữ «{word}»"),
         silent=W("Viết «{word}» ngay trước «{ref}», mà «{ref}» tự in chữ chỉ chiều; bỏ chữ «{word}»")),
    Code("direction-unchecked", "chữ tăng/giảm trước số của đơn vị khác: kiểm tra khi văn phòng lập báo cáo",
         W("Viết {words} trước số của chỉ tiêu {code} (của {department}): chiều tăng/giảm sẽ được kiểm tra khi văn phòng "
           "lập báo cáo; dùng «{{{code}:{word}}}» để phần mềm tự viết tăng/giảm")),
    Code("unknown-section", "mục báo cáo không có",
         E("Mục «{section}» không có trong báo cáo; dùng một trong: {sections}")),
    Code("section-not-allowed", "đơn vị viết vào mục của đơn vị khác hoặc của Văn phòng khi chưa được cho phép",
         E("Đơn vị không được viết vào mục {section} «{title}» (mục của {writers})" + _MOVE),
         unknown=E("Đơn vị không được viết vào mục {section} «{title}» (mục của {writers}; [muc_don_vi] ghi {unknown} "
                   "không phải mã đơn vị nào của danh mục don-vi.csv, có thể gõ sai)" + _MOVE),
         nobody=E("Đơn vị không được viết vào mục {section} «{title}» (chưa đơn vị nào được Văn phòng cho viết vào mục "
                  "này)" + _MOVE),
         nobody_unknown=E("Đơn vị không được viết vào mục {section} «{title}» ([muc_don_vi] chỉ ghi {unknown}, không phải "
                          "mã đơn vị nào của danh mục don-vi.csv, có thể gõ sai)" + _MOVE),
         alone=E("Đơn vị không được viết vào mục {section} «{title}» và chưa có mục nào để viết thuyết minh: hãy đề nghị "
                 "Văn phòng cho phép (cai-dat.toml, mục [muc_don_vi])")),
    Code("narrative-too-long", "thuyết minh của một ô hoặc cả biểu dài quá giới hạn",
         E("Ô thuyết minh dài {size} ký tự, quá giới hạn {limit} ký tự của một ô: hãy rút gọn hoặc chia thành nhiều dòng "
           "(cùng mục)"),
         file=E("Thuyết minh của biểu dài quá {limit} ký tự (cả các ô cộng lại): từ ô này trở đi không được đọc; hãy rút "
                "gọn thuyết minh rồi gửi lại")),
    Code("too-many-problems", "biểu có quá nhiều lỗi: chỉ hiện các lỗi đầu tiên, số còn lại được đếm",
         E("… và {errors} lỗi" + _TOO_MANY),
         both=E("… và {errors} lỗi và {warnings} cảnh báo" + _TOO_MANY),
         warnings=W("… và {warnings} cảnh báo" + _TOO_MANY)),
    Code("empty-section", "mục không đơn vị nào viết",
         W("Mục {section} «{title}» chưa có đơn vị nào viết thuyết minh và không có chỉ tiêu nào: báo cáo để trống mục này")),
    Code("unprintable-character", "thuyết minh có ký tự không in được (ký tự điều khiển, vùng dùng riêng), đã bỏ",
         W("Ô chứa ký tự không in được ({shown})" + _UNPRINTABLE),
         more=W("Ô chứa ký tự không in được ({shown} và {more} ký tự khác)" + _UNPRINTABLE)),
    Code("paragraph-not-composed", "đoạn thuyết minh không lập được, báo cáo in một dòng đánh dấu thay cho đoạn đó",
         W("Đoạn thuyết minh của «{name}» ở {where} không lập được ({error}): báo cáo in dòng đánh dấu thay cho đoạn này; "
           "hãy xem lại ô đó rồi lập lại")),
    Code("not-printed", "số liệu đã gửi không được in ở đâu trong báo cáo",
         W("Số liệu của «{name}» ({code}) do «{dept}» gửi không được in ở đâu trong báo cáo: không thuyết minh nào, không "
           "đoạn nào của mẫu trích dẫn, không có trong phụ lục, và {where}. Hãy {fix}")),
    # the period's folder and the build
    Code("not-submitted", "đơn vị chưa nộp biểu",
         E("Đơn vị «{name}» chưa nộp biểu {file}"),
         blank=E("Đơn vị «{name}» chưa nộp biểu {file} (biểu trong thư mục kỳ còn trống, như khi mới tạo: chưa có số «Thực "
                 "hiện tháng», «Lũy kế» hay dòng thuyết minh nào)")),
    Code("blank-workbook", "biểu gửi lên còn trống",
         E("Biểu gửi lên của «{name}» còn trống: chưa có số «Thực hiện tháng», «Lũy kế» hay dòng thuyết minh nào; hãy điền "
           "số liệu rồi gửi lại")),
    Code("from-store", "dùng lần nộp đã nhận (tệp không còn trong thư mục)",
         W(_FROM_STORE),
         no_narrative=W(_FROM_STORE + "; lần nộp này được ghi trước khi phần mềm lưu thuyết minh nên không có thuyết minh")),
    Code("extra-file", "tệp thừa trong thư mục kỳ",
         W("Tệp «{name}» của «{department}» không được đọc: đã có {file}")),
    Code("unknown-file", "tệp lạ trong thư mục kỳ",
         W("Tệp «{name}» không mang tên của đơn vị nào trong danh mục (cần <mã đơn vị>.xlsx); tệp này không được đọc")),
    Code("earlier-file-recorded", "biểu của một kỳ trước trong thư mục khác lần nộp đã ghi: đã ghi thành lần nộp mới",
         W("Tệp {file} khác lần nộp đã ghi của kỳ {period} (lần nộp {revision}, nhận lúc {at}): đã đọc, kiểm tra và ghi "
           "thành lần nộp {new_revision}, nên báo cáo kỳ {report_period} dùng số của tệp này; báo cáo kỳ {period} đã lập "
           "trước đây (nếu có) cần lập lại")),
    Code("earlier-file-differs", "biểu của một kỳ trước trong thư mục khác lần nộp đã ghi nhưng có lỗi",
         E("Tệp {file} khác lần nộp đã ghi của kỳ {period} (lần nộp {revision}, nhận lúc {at}) nhưng chưa ghi được vì có "
           "{count} lỗi (ví dụ {where}: {first})" + _EARLIER_DIFFERS),
         no_example=E("Tệp {file} khác lần nộp đã ghi của kỳ {period} (lần nộp {revision}, nhận lúc {at}) nhưng chưa ghi "
                      "được vì có {count} lỗi" + _EARLIER_DIFFERS)),
    Code("font-missing", "máy thiếu phông Times New Roman (PDF dùng phông thay thế)",
         W("Máy này chưa cài phông «{font}»: bản PDF dùng phông «{other}» thay thế (cùng cỡ chữ nhưng nét khác); cài phông "
           "Times New Roman (README, mục «Chạy cho cả tỉnh») rồi lập lại PDF")),
    Code("settings-changed", "lập lại một kỳ với cài đặt (người ký, nơi nhận, tên cơ quan, cách viết…) khác lần lập trước",
         W("Kỳ {period} được lập lại với cài đặt khác lần lập trước: {changes}. Nếu báo cáo kỳ {period} phải giữ giá trị "
           "cũ, đặt giá trị cũ trong một khối [[theo_ky]] có den_ky của cai-dat.toml (README, «Cài đặt theo kỳ») rồi lập "
           "lại")),
    # the office's edits (bien-tap/<YYYY-MM>.xlsx, the web's «Biên tập»)
    Code("edit-file", "tệp biên tập của văn phòng không đọc được hoặc sai cột",
         E("Không đọc được tệp biên tập {path}: hãy mở bằng Excel rồi lưu lại dạng «Excel Workbook (.xlsx)»"),
         sheet=E("Tệp biên tập {path} không có sheet «{sheet}»"),
         columns=E("Sheet «{sheet}» của {path} cần các cột {columns} ở dòng 1")),
    Code("edit-stale", "đơn vị đã sửa đoạn văn sau khi văn phòng biên tập (báo cáo in bản biên tập; cần xem lại)",
         W("Đơn vị đã sửa {which} sau khi văn phòng biên tập: báo cáo vẫn in bản biên tập. Văn bản mới của đơn vị: "
           "«{current}». Bản biên tập: «{text}». Văn bản của đơn vị lúc biên tập: «{base}». Hãy sửa lại bản biên tập theo "
           "văn bản mới (trang «Biên tập» hoặc tệp {path}, cột «Văn bản của đơn vị» ghi văn bản mới), hoặc xóa bản biên tập "
           "để in văn bản của đơn vị")),
    Code("edit-orphan", "bản biên tập không còn đoạn văn nào để thay (không được in)",
         W("Bản biên tập {which} không được in: đơn vị không còn đoạn văn này; bản biên tập: «{text}». Hãy xóa dòng này hoặc "
           "chuyển bản biên tập sang đoạn đúng"),
         sentence=W("Bản biên tập {which} không được in: báo cáo không còn in câu tự động này (một thuyết minh đã nêu chỉ tiêu); bản "
                    "biên tập: «{text}»")),
)



CODES = {c.code: c.meaning for c in TABLE}
MESSAGES = {key: t for c in TABLE for key, t in c.keys().items()}
assert len(CODES) == len(TABLE), "a problem code is listed twice"


# Texts that frame another problem's message, its code and severity kept
FRAMES = {
    "edit": "Bản biên tập {which}: {message}",   # an office edit's own problem, said of the edit
}


def framed(frame: str, code: str, severity: str, where: dict | None = None, /, **fields) -> Problem:
    """A problem of ``code`` whose message is ``FRAMES[frame]`` filled in (``message``: the
    framed problem's own message)."""
    return Problem(code, severity, Template(severity, FRAMES[frame]).format(frame, fields), **(where or {}))


def quoted(items, sep: str = ", ") -> str:
    """Names as a message lists them: «a», «b»."""
    return sep.join(f"«{item}»" for item in items)


def text(key: str, /, **fields) -> str:
    """The message ``key`` (``code`` or ``code:name``) with its fields filled in; ``KeyError``
    for a key ``TABLE`` does not have (a programming error)."""
    try:
        template = MESSAGES[key]
    except KeyError:
        raise KeyError(f"no problem message {key!r} in problems.TABLE") from None
    return template.format(key, fields)


def make(key: str, where: dict | None = None, /, **fields) -> Problem:
    """The problem of message ``key`` at ``where`` (``Problem``'s place fields: file, sheet,
    cell, indicator, line, column, department), its severity the template's."""
    message = text(key, **fields)
    return Problem(key.partition(":")[0], MESSAGES[key].severity, message, **(where or {}))


def meaning(code: str) -> str:
    """What a problem code means, in Vietnamese ("" for a code not in ``CODES``)."""
    return CODES.get(code, "")
