/// A spreadsheet date: a number of days (the fraction is the time of day) since the workbook's epoch, written as
/// the CMDB's date and time attributes take them: "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS", "HH:MM:SS".
enum ExcelDate {
    /// The text of `serial` as `kind`; nil when it is no date (negative, or past year 9999).
    static func text(_ serial: Double, _ kind: CellStyles.DateKind, date1904: Bool) -> String? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        var days = Int(serial.rounded(.down))
        var seconds = Int(((serial - Double(days)) * 86_400).rounded())
        if seconds >= 86_400 {
            days += 1
            seconds -= 86_400
        }
        let time = pad(seconds / 3600) + ":" + pad(seconds / 60 % 60) + ":" + pad(seconds % 60)
        if kind == .time { return time }
        let date = ExcelDate.date(days: days, date1904: date1904)
        return kind == .dateTime ? date + " " + time : date
    }

    /// The 1900 system counts 1900-02-29, which did not exist (Lotus 1-2-3 did so; Excel keeps it): day 60 is
    /// that day, shown here as 1900-02-28, and days after it are one less than they count.
    static func date(days: Int, date1904: Bool) -> String {
        let epochDay: Int
        if date1904 {
            epochDay = daysFromCivil(1904, 1, 1) + days
        } else if days >= 61 {
            epochDay = daysFromCivil(1899, 12, 30) + days
        } else {
            epochDay = daysFromCivil(1899, 12, 31) + min(days, 59)
        }
        let (year, month, day) = civilFromDays(epochDay)
        return String(year) + "-" + pad(month) + "-" + pad(day)
    }

    /// The ISO 8601 text of a `t="d"` cell ("2024-01-31T10:20:30Z") as `kind` (a date when it has no time).
    static func reformat(iso text: String, _ kind: CellStyles.DateKind) -> String? {
        let parts = text.split(separator: "T", maxSplits: 1)
        guard let datePart = parts.first, datePart.count == 10 else { return nil }
        var time = parts.count > 1 ? String(parts[1].prefix(8)) : "00:00:00"
        if time.count == 5 { time += ":00" }
        switch kind {
        case .time: return time
        case .date: return String(datePart)
        case .dateTime: return datePart + " " + time
        case .none: return time == "00:00:00" ? String(datePart) : datePart + " " + time
        }
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0" + String(value) : String(value) }

    // Howard Hinnant's algorithms (days since 1970-01-01 in the proleptic Gregorian calendar).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
