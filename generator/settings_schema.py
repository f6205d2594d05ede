"""Every key of ``cai-dat.toml`` in one place: its table, type, default, allowed range and
Vietnamese meaning (``SCHEMA``). ``settings.load_settings`` reads the file through it, so
the rest of the program reads typed values that are always there (a number is a ``Decimal``,
a day an ``int``, a list a tuple) and never carries a default of its own. The shipped
``templates/cai-dat.toml`` is checked against this table by a test (every key present, with
the default's value where the key has one).

A value that does not fit is a ``SettingProblem`` naming the setting, the value as written and
what is allowed; ``settings`` adds the file and the line."""
from __future__ import annotations

import re
import string
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REQUIRED = object()   # no default: the office's own value (its name, its signer, its sections)

# the fields each formatted text may use (anything else in braces would stop the build)
PERIOD_FIELDS = frozenset({"thang", "so_thang", "quy", "nam", "nam_le"})


class SettingProblem(ValueError):
    """A value that does not fit its setting: ``why`` in Vietnamese, without file or line."""


@dataclass(frozen=True)
class Setting:
    """One key of cai-dat.toml: its ``section`` and ``key``, the ``kind`` its value is checked
    as, the Vietnamese ``meaning``, the ``default`` (``REQUIRED``: none), bounds, choices,
    the ``{fields}`` a text may use and whether a ``[[theo_ky]]`` block may change it."""
    section: str
    key: str
    kind: str                 # text | texts | table (of texts) | int | number | bool | choice | zone | docx
    meaning: str              # Vietnamese, for the office (README, messages)
    default: object = REQUIRED
    low: object = None        # inclusive bounds of an int or number
    high: object = None
    choices: tuple = ()       # kind "choice": the allowed words
    fields: frozenset | None = None   # a text formatted with these {fields}; None: printed as written
    dated: bool = True        # may differ by period ([[theo_ky]] blocks)

    @property
    def name(self) -> str:
        """``[section] key``, as messages and the README name it."""
        return f"[{self.section}] {self.key}"

    def allowed(self) -> str:
        """What may be written, in Vietnamese."""
        if self.kind == "bool":
            return "true hoặc false (không có ngoặc kép)"
        if self.kind == "choice":
            return "một trong " + ", ".join(f'"{c}"' for c in self.choices) + f" ({self.meaning})"
        if self.kind in ("int", "number"):
            what = "một số nguyên" if self.kind == "int" else "một số (dấu chấm thập phân, không có ngoặc kép)"
            if self.low is not None and self.high is not None:
                return f"{what} từ {_plain(self.low)} đến {_plain(self.high)}"
            if self.low is not None:
                return f"{what} từ {_plain(self.low)} trở lên"
            return what
        if self.kind == "zone":
            return 'tên một múi giờ, ví dụ "Asia/Ho_Chi_Minh"'
        if self.kind == "docx":
            return 'tên một tệp có đuôi .docx, không có / hay \\, được dùng {ky}, ví dụ "BC-UBND-{ky}.docx"'
        if self.kind == "texts":
            return 'một danh sách chữ trong ngoặc vuông, ví dụ ["…;", "…"]'
        if self.kind == "table":
            return f'một bảng [{self.section}.{self.key}] gồm các dòng «khóa = "chữ"»'
        if self.fields:
            return "một dòng chữ trong ngoặc kép, được dùng " + ", ".join("{" + f + "}" for f in sorted(self.fields))
        if self.fields is not None:
            return "một dòng chữ trong ngoặc kép, không có {…}"
        return "một dòng chữ trong ngoặc kép"

    def coerce(self, value):
        """The typed value, or ``SettingProblem``."""
        k = self.kind
        if k == "bool":
            if not isinstance(value, bool):
                raise SettingProblem(f"không phải true/false; cho phép: {self.allowed()}")
            return value
        if k in ("int", "number"):
            return self._number(value)
        if k == "texts":
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise SettingProblem(f"không phải danh sách chữ; cho phép: {self.allowed()}")
            for v in value:
                self._check_fields(v)
            return tuple(value)
        if k == "table":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise SettingProblem(f"không phải bảng chữ; cho phép: {self.allowed()}")
            for v in value.values():
                self._check_fields(v)
            return dict(value)
        if not isinstance(value, str):
            raise SettingProblem(f"không phải chữ; cho phép: {self.allowed()}")
        if k == "choice" and value not in self.choices:
            raise SettingProblem(f"không hợp lệ; cho phép: {self.allowed()}")
        if k == "zone":
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise SettingProblem(f"không phải múi giờ; cho phép: {self.allowed()}") from None
        if k == "docx" and (not value.lower().endswith(".docx") or re.search(r"[/\\]", value)
                            or value.strip(". ") == ""):
            raise SettingProblem(f"không phải tên tệp báo cáo; cho phép: {self.allowed()}")
        self._check_fields(value)
        return value

    def _number(self, value):
        integer = self.kind == "int"
        if isinstance(value, str):
            raise SettingProblem(_number_in_quotes(value, integer) + f"; cho phép: {self.allowed()}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingProblem(f"không phải là số; cho phép: {self.allowed()}")
        if integer and not isinstance(value, int):
            raise SettingProblem(f"không phải số nguyên; cho phép: {self.allowed()}")
        got = value if integer else Decimal(str(value))
        if not integer and not got.is_finite():
            raise SettingProblem(f"không phải là số; cho phép: {self.allowed()}")
        if (self.low is not None and got < self.low) or (self.high is not None and got > self.high):
            raise SettingProblem(f"nằm ngoài khoảng cho phép: {self.allowed()}")
        return got

    def _check_fields(self, text: str) -> None:
        if self.fields is None:
            return
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError:
            raise SettingProblem("có dấu ngoặc { hoặc } không khớp (muốn in dấu ngoặc thì viết {{ hoặc }}); "
                                 f"cho phép: {self.allowed()}") from None
        for _literal, field, _spec, _conv in parsed:
            if field is None:
                continue
            root = re.split(r"[.\[]", field, maxsplit=1)[0]
            if root not in self.fields:
                raise SettingProblem(f"có {{{field}}} không dùng được ở đây; cho phép: {self.allowed()}")


def _plain(v) -> str:
    return format(v, "f") if isinstance(v, Decimal) else str(v)


def _number_in_quotes(text: str, integer: bool) -> str:
    """Why a number written as text is refused, with how to write it."""
    t = text.strip().replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"-?\d+,\d+", t):
        return f"không phải là số: viết {t.replace(',', '.')} (dấu chấm, không có ngoặc kép)"
    if re.fullmatch(r"-?\d+(\.\d+)?", t):
        return f"không phải là số: viết {t} (không có ngoặc kép)"
    return "không phải là số" if not integer else "không phải số nguyên"


@dataclass(frozen=True)
class Section:
    """A table of the file. ``open``: the type of keys not listed (matching ``open_keys``), as
    in ``[muc]`` (any section code) and ``[cach_goi_ky]`` (``thang_1`` … ``thang_12``);
    ``open_defaults``: those keys when the whole table is absent."""
    name: str
    meaning: str
    settings: tuple = ()
    open: Setting | None = None
    open_keys: str = ""
    open_defaults: tuple = ()
    dated: bool = True

    def setting(self, key: str) -> Setting | None:
        """The Setting of ``key`` in this table: a listed one, or one of the open keys
        (``open_keys`` pattern); None when the table has no such key."""
        for s in self.settings:
            if s.key == key:
                return s
        if self.open is not None and re.fullmatch(self.open_keys, key):
            return Setting(self.name, key, self.open.kind, self.open.meaning, fields=self.open.fields,
                           dated=self.open.dated)
        return None


def _s(section, key, kind, meaning, default=REQUIRED, **kw) -> Setting:
    return Setting(section, key, kind, meaning, default, **kw)



SCHEMA: tuple[Section, ...] = (
    Section("co_quan", "Cơ quan ban hành báo cáo", (
        _s("co_quan", "ten_co_quan", "text", "tên cơ quan ở đầu báo cáo, in hoa (ỦY BAN NHÂN DÂN)"),
        _s("co_quan", "ten_tinh", "text", "tên tỉnh ở đầu báo cáo, in hoa (TỈNH LẠNG SƠN)"),
        _s("co_quan", "ten_day_du", "text", "tên đầy đủ của cơ quan: tác giả trong thuộc tính tệp DOCX/PDF, "
           "«của …» trong dòng «Kèm theo» của phụ lục; để trống thì là tên cơ quan và tên tỉnh", ""),
        _s("co_quan", "dia_danh", "text", "địa danh ở dòng ngày tháng (Lạng Sơn, ngày … tháng … năm …)"),
        _s("co_quan", "ky_hieu", "text", "ký hiệu của báo cáo (Số: …/BC-UBND)", "BC-UBND"),
        _s("co_quan", "ten_tep", "docx", "tên tệp báo cáo trong build/<YYYY-MM>/, {ky} là kỳ (2023-08); "
           "đuôi .docx", "BC-UBND-{ky}.docx", fields=frozenset({"ky"}), dated=False),
    )),
    Section("ky_ten", "Người ký", (
        _s("ky_ten", "tham_quyen", "text", "thẩm quyền ký (TM. ỦY BAN NHÂN DÂN); để trống thì không in dòng này"),
        _s("ky_ten", "cap_pho", "text", "dòng ký thay (KT. CHỦ TỊCH), thừa lệnh (TL. …), thừa ủy quyền (TUQ. …); để trống "
           "(Chủ tịch tự ký) thì không in dòng này"),
        _s("ky_ten", "chuc_vu", "text", "chức vụ người ký (PHÓ CHỦ TỊCH); để trống thì không in dòng này"),
        _s("ky_ten", "ho_ten", "text", "họ tên người ký"),
    )),
    Section("noi_nhan", "Nơi nhận", (
        _s("noi_nhan", "danh_sach", "texts", "các dòng «Nơi nhận» ở cuối báo cáo, theo thứ tự in"),
    )),
    Section("nop_bao_cao", "Hạn nộp và khoảng ngày số liệu", (
        _s("nop_bao_cao", "han_nop_ngay", "int", "các đơn vị gửi biểu trước ngày này của tháng báo cáo",
           16, low=1, high=28),
        _s("nop_bao_cao", "lien_he", "text", "nơi liên hệ in trong sheet «Hướng dẫn» của biểu"),
        _s("nop_bao_cao", "ngay_chot_dau", "int", "số liệu tháng tính từ ngày này của tháng trước", 15, low=1, high=28),
        _s("nop_bao_cao", "ngay_chot_cuoi", "int", "đến ngày này của tháng báo cáo (Nghị định 09/2019/NĐ-CP)",
           14, low=1, high=28),
        _s("nop_bao_cao", "khoa_so_sau_ngay", "int", "kỳ tự khóa sổ (không nhận biểu qua trang web) sau hạn gửi "
           "bấy nhiêu ngày; 0 là không tự khóa", 0, low=0, high=366),
    )),
    Section("web", "Trang web nhận biểu", (
        _s("web", "mui_gio", "zone", "múi giờ in thời điểm nộp biểu, lập báo cáo (Asia/Ho_Chi_Minh)",
           "Asia/Ho_Chi_Minh", dated=False),
        _s("web", "gui_toi_da_moi_gio", "int", "số lần một đơn vị được gửi biểu trong một giờ, kể cả lần bị từ chối",
           30, low=1, high=10000, dated=False),
        _s("web", "luu_tru_toi_da_mb", "number", "dung lượng tối đa (MB) của kho bản nộp data/ban-nop/",
           Decimal(5000), low=Decimal(1), dated=False),
    ), dated=False),
    Section("kiem_tra", "Ngưỡng kiểm tra và cách viết so sánh", (
        _s("kiem_tra", "nguong_tuong_duong", "number", "|tăng, giảm| (%) không quá ngưỡng này thì viết "
           "«tương đương cùng kỳ»", Decimal(0), low=Decimal(0), high=Decimal(100)),
        _s("kiem_tra", "nguong_bat_thuong", "number", "lệch quá ngưỡng này (%) so với cùng kỳ thì cảnh báo",
           Decimal(50), low=Decimal(0)),
        _s("kiem_tra", "dung_sai_thanh_phan", "number", "tổng các thành phần lệch chỉ tiêu cha quá ngưỡng này (%) "
           "thì cảnh báo", Decimal("0.5"), low=Decimal(0), high=Decimal(100)),
        _s("kiem_tra", "dung_sai_luy_ke", "number", "lũy kế lệch lũy kế kỳ trước cộng số tháng quá mức này "
           "(theo đơn vị tính) thì cảnh báo", Decimal("0.5"), low=Decimal(0)),
    )),
    Section("cach_goi_ky", "Cách gọi kỳ báo cáo trong câu; thang_N dùng riêng cho tháng N", (
        _s("cach_goi_ky", "mac_dinh", "text", "cách gọi kỳ của các tháng không có khóa thang_N riêng",
           "tháng {thang} và {so_thang} tháng đầu {nam}", fields=PERIOD_FIELDS),
    ), open=Setting("cach_goi_ky", "thang_N", "text", "cách gọi kỳ riêng của tháng N", fields=PERIOD_FIELDS),
        open_keys=r"thang_(1[0-2]|[1-9])", open_defaults=(
            ("thang_1", "tháng {thang} {nam_le}"), ("thang_3", "tháng {thang} và quý {quy} {nam_le}"),
            ("thang_6", "tháng {thang}, quý {quy} và {so_thang} tháng đầu {nam}"),
            ("thang_9", "tháng {thang}, quý {quy} và {so_thang} tháng {nam_le}"),
            ("thang_12", "tháng {thang}, quý {quy} và {nam}"))),
    Section("cach_goi_ky_de_muc", "Cách gọi kỳ trong đề mục (in hoa khi in)", (
        _s("cach_goi_ky_de_muc", "mac_dinh", "text", "cách gọi kỳ trong đề mục của các tháng không có khóa riêng",
           "tháng {thang} và {so_thang} tháng {nam_le}", fields=PERIOD_FIELDS),
    ), open=Setting("cach_goi_ky_de_muc", "thang_N", "text", "cách gọi kỳ trong đề mục riêng của tháng N",
                    fields=PERIOD_FIELDS),
        open_keys=r"thang_(1[0-2]|[1-9])", open_defaults=(
            ("thang_1", "tháng {thang} {nam_le}"), ("thang_3", "tháng {thang} và quý {quy} {nam_le}"),
            ("thang_6", "tháng {thang}, quý {quy} và {so_thang} tháng {nam_le}"),
            ("thang_9", "tháng {thang}, quý {quy} và {so_thang} tháng {nam_le}"),
            ("thang_12", "tháng {thang}, quý {quy} và {nam}"))),
    Section("cach_viet", "Cách viết các cụm từ của báo cáo", (
        _s("cach_viet", "nhiem_vu", "text", "cụm «nhiệm vụ trọng tâm tháng tới» ({thang}, {nam} của tháng sau)",
           "nhiệm vụ trọng tâm tháng {thang} năm {nam}", fields=frozenset({"thang", "so_thang", "quy", "nam"})),
        _s("cach_viet", "trich_yeu", "text", "trích yếu của báo cáo ({ky}: cách gọi kỳ, {nhiem_vu})",
           "Tình hình kinh tế - xã hội {ky}, {nhiem_vu}", fields=frozenset({"ky", "nhiem_vu"})),
        _s("cach_viet", "tang", "text", "tăng so với cùng kỳ ({pt}: tỷ lệ)", "tăng {pt}", fields=frozenset({"pt"})),
        _s("cach_viet", "giam", "text", "giảm so với cùng kỳ ({pt}: tỷ lệ)", "giảm {pt}", fields=frozenset({"pt"})),
        _s("cach_viet", "tuong_duong", "text", "thay đổi không quá ngưỡng tương đương", "tương đương cùng kỳ"),
        _s("cach_viet", "tang_so", "text", "{MÃ:tang_giam} khi tăng ({so}: chênh lệch)", "tăng {so}",
           fields=frozenset({"so"})),
        _s("cach_viet", "giam_so", "text", "{MÃ:tang_giam} khi giảm", "giảm {so}", fields=frozenset({"so"})),
        _s("cach_viet", "bang_so", "text", "{MÃ:tang_giam} khi không đổi", "bằng"),
        _s("cach_viet", "tang_diem", "text", "chỉ tiêu loại «tỷ lệ» tăng (điểm phần trăm)",
           "tăng {so} điểm phần trăm", fields=frozenset({"so"})),
        _s("cach_viet", "giam_diem", "text", "chỉ tiêu loại «tỷ lệ» giảm", "giảm {so} điểm phần trăm",
           fields=frozenset({"so"})),
        _s("cach_viet", "diem", "text", "độ lớn thay đổi của chỉ tiêu loại «tỷ lệ»", "{so} điểm phần trăm",
           fields=frozenset({"so"})),
        _s("cach_viet", "bang_ck", "text", "{MÃ:bang_ck}", "bằng {pt} so với cùng kỳ", fields=frozenset({"pt"})),
        _s("cach_viet", "bang_kh", "text", "{MÃ:bang_kh}", "bằng {pt} {ten_ke_hoach}",
           fields=frozenset({"pt", "ten_ke_hoach"})),
        _s("cach_viet", "so_voi_thang_truoc", "text", "{MÃ:tang_tt}", "so với tháng trước"),
        _s("cach_viet", "tuong_duong_thang_truoc", "text", "{MÃ:tang_tt} khi tương đương", "tương đương tháng trước"),
        _s("cach_viet", "in_de_muc_trong", "bool", "mục không đơn vị nào viết: vẫn in đề mục (true) hay bỏ cả "
           "đề mục (false)", True),
        _s("cach_viet", "so_voi_cung_ky", "text", "cụm «so với cùng kỳ» sau mức tăng, giảm", "so với cùng kỳ"),
        _s("cach_viet", "dat_ke_hoach", "text", "đạt kế hoạch ({pt}: tỷ lệ, {ten_ke_hoach}: kế hoạch, dự toán…)",
           "đạt {pt} {ten_ke_hoach}", fields=frozenset({"pt", "ten_ke_hoach"})),
        _s("cach_viet", "thieu_so_lieu", "text", "chữ in thay số liệu còn thiếu", "[chưa có số liệu]"),
    )),
    Section("muc", "Các mục của báo cáo mà đơn vị viết thuyết minh vào: mã mục = tên mục",
            open=Setting("muc", "MÃ_MỤC", "text", "tên mục in trong báo cáo", dated=False), open_keys=r".+",
            dated=False),
    Section("muc_don_vi", "Đơn vị được viết thuyết minh vào mục: mã mục = [mã các đơn vị] (mục không ghi ở đây: "
            "các đơn vị có chỉ tiêu thuộc mục; mục III chỉ khi được ghi ở đây; mục không có chỉ tiêu: mọi đơn vị)",
            open=Setting("muc_don_vi", "MÃ_MỤC", "texts", "mã các đơn vị được viết vào mục này", dated=False),
            open_keys=r"\S+", dated=False),
    Section("thu_nhac", "Thư nhắc nộp biểu gửi qua e-mail (máy chủ thư SMTP của tỉnh)", (
        _s("thu_nhac", "may_chu", "text", "máy chủ SMTP của tỉnh, ví dụ \"mail.langson.gov.vn\" (để trống: trang web "
           "không gửi thư nhắc)", "", dated=False),
        _s("thu_nhac", "cong", "int", "cổng của máy chủ SMTP", 587, low=1, high=65535, dated=False),
        _s("thu_nhac", "bao_mat", "choice", "kết nối: «starttls» (cổng 587), «ssl» (cổng 465) hoặc «khong» (mạng "
           "nội bộ)", "starttls", choices=("starttls", "ssl", "khong"), dated=False),
        _s("thu_nhac", "ten_dang_nhap", "text", "tên đăng nhập máy chủ thư (để trống nếu máy chủ không đòi)", "",
           dated=False),
        _s("thu_nhac", "bien_mat_khau", "text", "tên biến môi trường chứa mật khẩu máy chủ thư (mật khẩu không ghi "
           "trong tệp này)", "BAOCAO_SMTP_MAT_KHAU", dated=False),
        _s("thu_nhac", "nguoi_gui", "text", "địa chỉ người gửi thư nhắc", "", dated=False),
        _s("thu_nhac", "dia_chi", "table", "[thu_nhac.dia_chi]: địa chỉ e-mail của từng đơn vị, «mã-đơn-vị = "
           "\"a@…, b@…\"» (nhiều địa chỉ cách nhau bằng dấu phẩy)", {}, dated=False),
    ), dated=False),
    Section("phu_luc", "Phụ lục «Một số chỉ tiêu kinh tế - xã hội chủ yếu»", (
        _s("phu_luc", "bang_tinh", "bool", "ghi build/<YYYY-MM>/phu-luc-<YYYY-MM>.xlsx", True),
        _s("phu_luc", "trong_van_ban", "bool", "thêm phụ lục vào cuối tệp DOCX (false: chỉ tệp Excel)", True),
        _s("phu_luc", "huong", "choice", "trang của phụ lục trong DOCX: «tu_dong» A4 đứng khi bảng vừa, nằm ngang "
           "khi bảng rộng hơn; «doc» luôn A4 đứng như báo cáo; «ngang» luôn A4 nằm ngang", "tu_dong",
           choices=("tu_dong", "doc", "ngang")),
        _s("phu_luc", "tieu_de", "text", "tên phụ lục", "MỘT SỐ CHỈ TIÊU KINH TẾ - XÃ HỘI CHỦ YẾU"),
        _s("phu_luc", "kem_theo", "text", "dòng «Kèm theo Báo cáo số …» của phụ lục",
           "(Kèm theo Báo cáo số       /{ky_hieu} ngày      tháng {thang} năm {nam} của {co_quan})",
           fields=frozenset({"ky_hieu", "thang", "nam", "co_quan"})),
        _s("phu_luc", "ghi_chu", "text", "dòng ghi chú dưới bảng", "Ghi chú: «-» là chưa có số liệu."),
        _s("phu_luc", "dan_chieu", "text", "câu trong phần nội dung (dưới đề mục II) trỏ tới phụ lục khi phụ lục "
           "nằm trong DOCX; để trống thì không in", "(Chi tiết một số chỉ tiêu chủ yếu tại Phụ lục kèm theo)",
           fields=frozenset()),
        _s("phu_luc", "muc_cha", "table", "tên các dòng mục cha trong bảng phụ lục (mã mục = tên): chỉ tiêu "
           "thuộc mục «II.1.2» đứng dưới dòng «II» và «II.1»",
           {"II": "II. Tình hình kinh tế - xã hội", "II.1": "1. Lĩnh vực phát triển kinh tế"}, fields=None),
    )),
)
SECTIONS = {s.name: s for s in SCHEMA}


def setting_of(section: str, key: str) -> Setting | None:
    """The schema's entry for ``[section] key``, or None for a key the program does not know."""
    sec = SECTIONS.get(section)
    return sec.setting(key) if sec is not None else None


def check_derived(data: dict) -> None:
    """Defaults computed from other keys, filled in place: ``ten_day_du`` is the agency's name
    and the province's when left empty (one rule for the DOCX's author and the annex)."""
    agency = data["co_quan"]
    if not agency.get("ten_day_du"):
        agency["ten_day_du"] = f"{agency['ten_co_quan']} {agency['ten_tinh']}"
