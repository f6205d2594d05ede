"""Problems are data: every stage returns a list of them, never raises one at a time.

A Problem has a stable code, a severity (``lỗi`` blocks the build, ``cảnh báo`` does not),
a Vietnamese message saying what is wrong and what is expected, and its place.
The CLI table, ``kiem-tra.xlsx`` and (later) the web page are renderings of the same list.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "lỗi"
WARNING = "cảnh báo"


@dataclass(frozen=True)
class Problem:
    """One problem and one structured position: a workbook cell (``sheet`` + ``cell``, always an
    A1 reference a link can open), or a line of a CSV file / a row of a sheet (``line``, with
    the CSV ``column`` title when it is one cell of that line). ``department``: whose file."""
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

    @property
    def is_error(self) -> bool:
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
        parts = [p for p in (self.file, self.sheet, self.position) if p]
        return "!".join(parts)

    def to_dict(self) -> dict:
        return dict(asdict(self), position=self.position)

    def __str__(self) -> str:  # one line, as the CLI prints it
        where = self.place
        code = f" [{self.indicator}]" if self.indicator else ""
        return f"{self.severity.upper()}: {where}{code}: {self.message}" if where else \
            f"{self.severity.upper()}{code}: {self.message}"


def error(code: str, message: str, **place) -> Problem:
    return Problem(code, ERROR, message, **place)


def warning(code: str, message: str, **place) -> Problem:
    return Problem(code, WARNING, message, **place)


def has_errors(problems) -> bool:
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


# Every problem code, in one place, with what it means (kiem-tra.xlsx shows it beside each
# problem; tests/test_docs.py checks that the package uses exactly these codes).
CODES = {
    # the catalogue, the list of departments, the unit table (templates/)
    "catalogue-missing": "thiếu tệp danh mục (chi-tieu.csv, don-vi.csv)",
    "catalogue-encoding": "tệp danh mục không lưu dạng CSV UTF-8",
    "catalogue-empty": "tệp danh mục không có dòng nào",
    "catalogue-column": "thiếu cột bắt buộc ở dòng tiêu đề của tệp danh mục",
    "catalogue-period": "«Từ kỳ», «Đến kỳ» không phải kỳ YYYY-MM hoặc đảo ngược",
    "department-code": "mã đơn vị không hợp lệ",
    "department-duplicate": "mã đơn vị trùng",
    "department-name": "đơn vị chưa có tên",
    "indicator-code": "mã chỉ tiêu không hợp lệ",
    "indicator-duplicate": "mã chỉ tiêu trùng (hoặc hai khoảng hiệu lực chồng nhau)",
    "indicator-name": "chỉ tiêu chưa có tên",
    "indicator-department": "chỉ tiêu ghi đơn vị báo cáo không có trong danh sách đơn vị",
    "indicator-department-ended": "đơn vị báo cáo của chỉ tiêu đã thôi hoạt động trong kỳ chỉ tiêu còn hiệu lực",
    "indicator-kind": "loại chỉ tiêu không hợp lệ",
    "indicator-decimals": "số chữ số thập phân không hợp lệ",
    "indicator-plan": "cột «Kế hoạch» không hợp lệ",
    "indicator-flag": "cột có/không ghi giá trị khác",
    "indicator-number": "dung sai hoặc ngưỡng không phải số không âm",
    "indicator-parent": "chỉ tiêu cha không có trong danh mục",
    "indicator-cycle": "chỉ tiêu cha - con tạo thành vòng",
    "indicator-annex": "cột «Phụ lục» không phải số thứ tự",
    "unit-row": "dòng của bảng đổi đơn vị thiếu đơn vị",
    "unit-factor": "hệ số đổi đơn vị không phải số dương",
    "unit-duplicate": "một cặp đơn vị được khai hai lần",
    # the workbook as a file
    "not-a-workbook": "tệp không phải bảng tính Excel (.xlsx) hoặc đã hỏng",
    "wrong-format": "biểu lưu dạng khác .xlsx (.ods, .csv…)",
    "sheet-duplicate": "hai sheet trùng tên (khác nhau chỉ ở khoảng trắng, chữ hoa hay kiểu gõ dấu)",
    "two-workbooks": "hai biểu của cùng một đơn vị trong thư mục kỳ (.xlsx và .xls…)",
    "password-protected": "biểu đặt mật khẩu mở tệp",
    "empty-file": "tệp rỗng",
    "file-too-large": "tệp lớn quá giới hạn",
    "part-too-large": "một phần của tệp giải nén lớn quá giới hạn",
    "zip-bomb": "tệp nén bất thường (tỷ lệ nén quá lớn)",
    "too-large-sheet": "sheet có ô ở ngoài giới hạn dòng, cột",
    "too-many-rows": "sheet «Chỉ tiêu» có quá nhiều dòng",
    "active-content": "biểu có macro, liên kết ngoài, đối tượng nhúng hoặc công thức gọi ra ngoài",
    "unreadable": "không đọc được tệp trong giới hạn bộ nhớ, thời gian",
    "identity-missing": "biểu không mang thông tin kỳ, đơn vị (không phải biểu do Văn phòng gửi)",
    "wrong-period": "biểu của kỳ khác",
    "wrong-department": "biểu của đơn vị khác",
    "bad-period": "kỳ ghi trong tệp nhập lịch sử không hợp lệ",
    "sheet-missing": "thiếu sheet «Chỉ tiêu»",
    "sheet-hidden": "sheet bị ẩn",
    "row-hidden": "dòng bị ẩn",
    "header-missing": "thiếu hoặc sai tiêu đề cột",
    "header-duplicate": "tiêu đề cột lặp lại",
    "unit-column-differs": "đơn vị tính trong biểu khác danh mục (biểu mẫu cũ)",
    "merged-cell": "ô gộp trong vùng số liệu",
    # the figures
    "unknown-indicator": "mã chỉ tiêu không có trong danh mục",
    "duplicate-indicator": "mã chỉ tiêu lặp lại trong biểu",
    "missing-indicator": "thiếu dòng của một chỉ tiêu",
    "foreign-indicator": "chỉ tiêu của đơn vị khác",
    "required-empty": "ô bắt buộc để trống",
    "optional-empty": "ô không bắt buộc để trống",
    "not-a-number": "ô số chứa chữ, ngày tháng hoặc đúng/sai",
    "text-number": "số viết dạng chữ (đã đọc được)",
    "ambiguous-number": "số viết không rõ nghĩa (1.234 hay 1,234?)",
    "excel-error": "ô có lỗi công thức (#DIV/0!…)",
    "formula-no-value": "công thức chưa có giá trị tính sẵn",
    "percent-cell": "ô định dạng phần trăm",
    "conditional-number-format": "định dạng có điều kiện đổi cách hiển thị số của ô",
    "not-applicable": "cột không áp dụng cho loại chỉ tiêu",
    "negative": "số âm khi không cho phép",
    "not-integer": "số lẻ ở chỉ tiêu số nguyên",
    "plan-zero": "kế hoạch bằng 0",
    "cumulative-below-month": "lũy kế nhỏ hơn số tháng",
    "january-cumulative": "tháng 1: số tháng khác lũy kế",
    "far-from-last-year": "lệch nhiều so với cùng kỳ",
    "components-sum": "tổng các chỉ tiêu thành phần lệch chỉ tiêu cha",
    "cumulative-jump": "lũy kế không bằng lũy kế kỳ trước cộng số tháng",
    "plan-changed": "kế hoạch năm khác kỳ trước",
    "last-year-differs": "số cùng kỳ khác số đã nhận năm trước",
    "same-as-previous": "số liệu giống hệt kỳ trước",
    "unit-changed": "số liệu đã lưu có đơn vị khác, không đổi được",
    "quarter-incomplete": "thiếu số của một tháng trong quý",
    "import-conflict": "tệp nhập lịch sử ghi một số khác số đã nhập trước cho cùng kỳ, đơn vị, chỉ tiêu",
    "import-over-workbook": "tệp nhập lịch sử thêm số liệu vào kỳ đã có biểu trong thư mục",
    # the narrative
    "markup-unknown-code": "thuyết minh gọi mã chỉ tiêu không có",
    "markup-unknown-measure": "thuyết minh gọi {MÃ:từ} với từ không có",
    "markup-no-figure": "thuyết minh gọi số liệu không có",
    "markup-malformed": "{MÃ:từ} viết sai cách (chữ hoa, chữ thường, dấu, khoảng trắng)",
    "markup-not-applicable": "từ {MÃ:từ} không dùng được cho loại chỉ tiêu",
    "markup-no-base": "tỷ lệ so với số bằng 0 hoặc âm",
    "change-no-base": "so với số bằng 0 hoặc âm: in chênh lệch thay cho tỷ lệ",
    "markup-emphasis": "dấu nghiêng, đậm (*, **) mở mà không đóng: in nguyên dấu sao",
    "markup-stray-close": "dấu đóng chú thích «]]» thừa",
    "markup-unclosed-note": "chú thích «[[» chưa đóng",
    "markup-nested-note": "chú thích lồng trong chú thích",
    "direction-conflict": "chữ tăng/giảm viết tay trái với số liệu",
    "direction-doubled": "chữ tăng/giảm viết trước từ đã tự in tăng/giảm",
    "unknown-section": "mục báo cáo không có",
    "narrative-too-long": "thuyết minh của một ô hoặc cả biểu dài quá giới hạn",
    "too-many-problems": "biểu có quá nhiều lỗi: chỉ hiện các lỗi đầu tiên, số còn lại được đếm",
    "empty-section": "mục không đơn vị nào viết",
    "unprintable-character": "thuyết minh có ký tự không in được (ký tự điều khiển, vùng dùng riêng), đã bỏ",
    "paragraph-not-composed": "đoạn thuyết minh không lập được, báo cáo in một dòng đánh dấu thay cho đoạn đó",
    "not-printed": "số liệu đã gửi không được in ở đâu trong báo cáo",
    # the period's folder and the build
    "not-submitted": "đơn vị chưa nộp biểu",
    "blank-workbook": "biểu gửi lên còn trống",
    "from-store": "dùng lần nộp đã nhận (tệp không còn trong thư mục)",
    "extra-file": "tệp thừa trong thư mục kỳ",
    "unknown-file": "tệp lạ trong thư mục kỳ",
    "earlier-file-recorded": "biểu của một kỳ trước trong thư mục khác lần nộp đã ghi: đã ghi thành lần nộp mới",
    "earlier-file-differs": "biểu của một kỳ trước trong thư mục khác lần nộp đã ghi nhưng có lỗi",
    "font-missing": "máy thiếu phông Times New Roman (PDF dùng phông thay thế)",
    "settings-changed": "lập lại một kỳ với cài đặt (người ký, nơi nhận, tên cơ quan, cách viết…) khác lần lập trước",
    # the office's edits (bien-tap/<YYYY-MM>.xlsx, the web's «Biên tập»)
    "edit-file": "tệp biên tập của văn phòng không đọc được hoặc sai cột",
    "edit-stale": "đơn vị đã sửa đoạn văn sau khi văn phòng biên tập (báo cáo in bản biên tập; cần xem lại)",
    "edit-orphan": "bản biên tập không còn đoạn văn nào để thay (không được in)",
}


def meaning(code: str) -> str:
    """What a problem code means, in Vietnamese ("" for a code not in ``CODES``)."""
    return CODES.get(code, "")
