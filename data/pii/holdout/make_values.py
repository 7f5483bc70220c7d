"""Check-digit helper for the hand-written PII hold-out set (stdlib only).

The bases below were typed by hand; this script only completes the check digits
(Luhn, ISO 13616 mod-97, French NIR key) so the values pasted into tickets.md are valid.
Run: python3 make_values.py
"""


def luhn_digit(base: str) -> str:
    digits = [int(c) for c in base if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:  # these positions get doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def iban(country: str, bban: str) -> str:
    bban = bban.replace(" ", "")
    rearranged = bban + country + "00"
    num = "".join(str(int(c, 36)) for c in rearranged)
    check = 98 - int(num) % 97
    return f"{country}{check:02d}{bban}"


def group4(s: str) -> str:
    return " ".join(s[i : i + 4] for i in range(0, len(s), 4))


def nir_key(base13: str) -> str:
    n = int(base13.replace(" ", ""))
    return f"{97 - n % 97:02d}"


def fr_rib_key(bank: str, branch: str, account: str) -> str:
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


def egypt_check(base13: str) -> str:
    # No official public specification; commonly cited weighted mod-11 scheme.
    w = [2, 7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
    s = sum(int(a) * b for a, b in zip(base13, w, strict=False))
    c = 11 - s % 11
    return str(0 if c >= 10 else c)


if __name__ == "__main__":
    cards = [
        "453914880343671",
        "541275341209883",
        "471620935581024",
        "519904726638150",
        "497010523318764",
        "513288400917226",
        "453266107789403",
        "555534129087611",
        "402400715532918",
        "529066113478045",
        "448522906617730",
        "537600438821569",
    ]
    for c in cards:
        full = c + luhn_digit(c)
        print("CARD", " ".join(full[i : i + 4] for i in range(0, 16, 4)))
    fr_accounts = [
        ("30004", "01234", "00021876543"),
        ("17515", "00913", "04418257301"),
        ("10278", "36021", "00059314870"),
        ("20041", "01008", "07731920466"),
    ]
    ibans = [
        ("GB", "LOYD30963458271046"),
        ("GB", "MIDL40271566130982"),
        ("AE", "0350000012398745561"),
        ("AE", "0260004471209833157"),
        ("SA", "10000042718390552100"),
        ("SA", "80000391620774815203"),
        ("MA", "011780000012300044871629"),
        ("MA", "230810000421789550336014"),
        ("TN", "08006000071029384751"),
        ("TN", "25118000004417220963"),
    ]
    for b, g, a in fr_accounts:
        ibans.append(("FR", b + g + a + fr_rib_key(b, g, a)))
    for cc, bban in ibans:
        v = iban(cc, bban)
        print("IBAN", v, "|", group4(v))
    for n in [
        "2850375114207",
        "1791169383052",
        "2920713055418",
        "1660259350127",
        "2711231555089",
        "1880694412036",
    ]:
        k = nir_key(n)
        print("NIR", n[0], n[1:3], n[3:5], n[5:7], n[7:10], n[10:13], k)
    for s in ["104572389", "213609475", "110846273", "245018366", "103377150"]:
        print("SAUDI", s + luhn_digit(s))
    for e in [
        "78419884403921",
        "78419796120587",
        "78419930275164",
        "78420013398420",
        "78419850713346",
    ]:
        full = e + luhn_digit(e)
        print("EID", f"{full[:3]}-{full[3:7]}-{full[7:14]}-{full[14]}")
    for e in ["2880912014471", "3010227210836", "2950630123307", "2760104025129", "2830518881042"]:
        print("EGYPT", e + egypt_check(e))
