//! Payment-card numbers: 13 to 19 digits (optionally grouped by single spaces or dashes, as cards
//! print them) that pass the Luhn check and carry an issuer's prefix with that issuer's length.
//! A Luhn-valid number with no known issuer prefix is reported only right after a card keyword
//! (`cc=`, `card_number:`, `pan=`, ...). Numbers inside longer digit runs, next to letters (hex,
//! UUIDs) or to a decimal point are not candidates, so timestamps, UUIDs and random digits are
//! not reported.

use regex::bytes::Regex;

use super::{ascii_regex, Hit, Kind};

pub struct Card {
    keyword: Regex,
}

impl Card {
    pub fn new() -> Self {
        Self {
            keyword: ascii_regex(
                r#"(?i)(?:^|[^a-z])(?:cc|ccn|cc_?num(?:ber)?|pan|card|credit_?card|card_?(?:no|num|number)|credit-card)["']?\s*[:=]\s*["']?$"#,
            ),
        }
    }

    pub fn find(&self, buf: &[u8], from: usize, out: &mut Vec<Hit>) {
        // Every form a card is written in has a run of at least 4 digits, and such a run covers
        // an offset that is a multiple of 4: looking at every 4th byte finds every candidate
        // (this runs over whole files, so it must be fast on binary noise).
        let mut i = from.next_multiple_of(4);
        while i < buf.len() {
            if !buf[i].is_ascii_digit() {
                i += 4;
                continue;
            }
            let (s, e) = token_around(buf, i);
            i = e.next_multiple_of(4).max(i + 4);
            if e - s < 13 {
                continue;
            }
            if e - s <= 19 + 4 && !bad_neighbour(buf, s, e) && grouped_digits(&buf[s..e]).is_some()
            {
                self.check(buf, s, e, out);
            } else if buf[s..e].contains(&b' ') {
                // "4111111111111111 12/29": a space-separated piece may be a card on its own.
                let mut p = s;
                for piece in buf[s..e].split(|&b| b == b' ') {
                    let q = p + piece.len();
                    if (13..=19).contains(&piece.len())
                        && piece.iter().all(u8::is_ascii_digit)
                        && !bad_neighbour(buf, p, q)
                    {
                        self.check(buf, p, q, out);
                    }
                    p = q + 1;
                }
            }
        }
    }

    fn check(&self, buf: &[u8], s: usize, e: usize, out: &mut Vec<Hit>) {
        let Some(digits) = grouped_digits(&buf[s..e]) else {
            return;
        };
        if luhn(&digits) && (issuer(&digits).is_some() || self.after_keyword(buf, s)) {
            out.push(Hit {
                range: s..e,
                kind: Kind::CreditCard,
            });
        }
    }

    /// True when the text right before `s` ends with a card keyword and `=` or `:`.
    fn after_keyword(&self, buf: &[u8], s: usize) -> bool {
        let lo = s.saturating_sub(24);
        self.keyword.is_match(&buf[lo..s])
    }
}

/// The maximal run of digits joined by single spaces or dashes around the digit at `i`.
fn token_around(buf: &[u8], i: usize) -> (usize, usize) {
    let digit = |j: usize| buf.get(j).is_some_and(u8::is_ascii_digit);
    let sep = |j: usize| matches!(buf.get(j), Some(b' ' | b'-'));
    let mut s = i;
    loop {
        if s >= 1 && digit(s - 1) {
            s -= 1;
        } else if s >= 2 && sep(s - 1) && digit(s - 2) {
            s -= 2;
        } else {
            break;
        }
    }
    let mut e = i + 1;
    loop {
        if digit(e) {
            e += 1;
        } else if sep(e) && digit(e + 1) {
            e += 2;
        } else {
            break;
        }
    }
    (s, e)
}

/// A digit, a hex letter (a-f), or a separator/decimal point joined to more letters or digits,
/// next to the candidate means it is part of something longer (a UUID, a hex string, a decimal,
/// a version). Other letters may touch it: in a database page the next key often follows the
/// value directly (etcd's bbolt file has `cc=1111222233334444lease`).
fn bad_neighbour(buf: &[u8], s: usize, e: usize) -> bool {
    let hexish = |i: usize| buf.get(i).is_some_and(|b| b.is_ascii_hexdigit());
    let alnum = |i: usize| buf.get(i).is_some_and(|b| b.is_ascii_alphanumeric());
    let joiner = |b: u8| matches!(b, b'-' | b'.' | b',' | b'_' | b'/' | b':');
    if s > 0 && (hexish(s - 1) || (joiner(buf[s - 1]) && s > 1 && alnum(s - 2))) {
        return true;
    }
    if hexish(e) || (buf.get(e).is_some_and(|&b| joiner(b)) && alnum(e + 1)) {
        return true;
    }
    false
}

/// The digits of a candidate if its grouping is one cards use: no separators, or one separator
/// kind between groups of 4 (last group 1-4), or 4-6-5 / 4-6-4 (American Express, Diners).
pub fn grouped_digits(s: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s
        .iter()
        .filter(|b| b.is_ascii_digit())
        .map(|b| b - b'0')
        .collect();
    if !(13..=19).contains(&digits.len()) {
        return None;
    }
    let seps: Vec<u8> = s.iter().copied().filter(|b| !b.is_ascii_digit()).collect();
    if seps.is_empty() {
        return Some(digits);
    }
    if seps.iter().any(|&b| b != seps[0]) {
        return None;
    }
    let groups: Vec<usize> = s.split(|&b| b == seps[0]).map(<[u8]>::len).collect();
    let fours = groups.len() >= 4
        && groups[..groups.len() - 1].iter().all(|&g| g == 4)
        && (1..=4).contains(&groups[groups.len() - 1]);
    let amex = groups == [4, 6, 5] || groups == [4, 6, 4];
    (fours || amex).then_some(digits)
}

/// The Luhn (mod 10) check over decimal digits (0..=9 each).
pub fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// The issuer whose prefix and length the number has, if any.
pub fn issuer(digits: &[u8]) -> Option<&'static str> {
    let prefix = |n: usize| {
        digits
            .iter()
            .take(n)
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d))
    };
    let len = digits.len();
    let (p1, p2, p3, p4, p6) = (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6));
    if p1 == 4 && matches!(len, 13 | 16 | 19) {
        Some("visa")
    } else if ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16 {
        Some("mastercard")
    } else if (p2 == 34 || p2 == 37) && len == 15 {
        Some("amex")
    } else if (p4 == 6011
        || (644..=649).contains(&p3)
        || p2 == 65
        || (622126..=622925).contains(&p6))
        && (16..=19).contains(&len)
    {
        Some("discover")
    } else if (3528..=3589).contains(&p4) && (16..=19).contains(&len) {
        Some("jcb")
    } else if ((300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39)
        && (14..=19).contains(&len)
    {
        Some("diners")
    } else if p2 == 62 && (16..=19).contains(&len) {
        Some("unionpay")
    } else if (2200..=2204).contains(&p4) && len == 16 {
        Some("mir")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::kinds;
    use super::super::Kind::CreditCard;
    use super::*;

    fn d(s: &str) -> Vec<u8> {
        s.bytes().map(|b| b - b'0').collect()
    }

    #[test]
    fn luhn_and_issuers() {
        assert!(luhn(&d("4111111111111111")));
        assert!(luhn(&d("1111222233334444")));
        assert!(!luhn(&d("4111111111111112")));
        assert_eq!(issuer(&d("4111111111111111")), Some("visa"));
        assert_eq!(issuer(&d("5555555555554444")), Some("mastercard"));
        assert_eq!(issuer(&d("2223003122003222")), Some("mastercard"));
        assert_eq!(issuer(&d("378282246310005")), Some("amex"));
        assert_eq!(issuer(&d("6011111111111117")), Some("discover"));
        assert_eq!(issuer(&d("3530111333300000")), Some("jcb"));
        assert_eq!(issuer(&d("30569309025904")), Some("diners"));
        assert_eq!(issuer(&d("1111222233334444")), None);
        assert_eq!(issuer(&d("411111111111111")), None); // visa has no 15-digit numbers
    }

    #[test]
    fn card_numbers() {
        for (buf, card) in [
            ("card 4111111111111111 exp 12/29", "4111111111111111"),
            ("\x00\x125555555555554444\x1a", "5555555555554444"),
            ("amex: 3782 822463 10005.", "3782 822463 10005"),
            ("pan=4111-1111-1111-1111;", "4111-1111-1111-1111"),
            ("6011 1111 1111 1117", "6011 1111 1111 1117"),
            ("4111111111111111 12/29", "4111111111111111"),
            // No issuer prefix, but Luhn-valid and labelled as a card: the etcd seed secret.
            ("cc=1111222233334444", "1111222233334444"),
            ("\x13cc=1111222233334444lease\x00", "1111222233334444"), // bbolt: next key follows
            (
                "{\"card_number\": \"1111222233334444\"}",
                "1111222233334444",
            ),
        ] {
            assert_eq!(
                kinds(buf.as_bytes()),
                vec![(card.to_string(), CreditCard)],
                "{buf}"
            );
        }
    }

    #[test]
    fn not_card_numbers() {
        for buf in [
            "4111111111111112",                           // Luhn fails
            "id=1111222233334444",                        // no issuer, no card keyword
            "1111222233334444",                           // no issuer, no keyword
            "ts=1700000000123456",                        // microsecond timestamp
            "20231114221320 1700000000000 1700000000123", // timestamps
            "2023-11-14 22:13:20.123456789",              // date
            "41111111111111111111111111",                 // inside a longer digit run
            "94111111111111111",                          // inside a longer digit run
            "a4111111111111111",                          // next to a hex letter
            "deadbeef4111111111111111",                   // inside a hex string
            "4111111111111111abc",                        // next to a hex letter
            "3.4111111111111111",                         // a decimal
            "550e8400-e29b-41d4-a716-446655440000",       // UUID
            "41111111-1111-1111-1111-111111111111",       // all-digit UUID
            "4111 1111 1111 1111 1111 1111",              // too many digits
            "4111 111111111111",                          // odd grouping
            "4111-1111 1111-1111",                        // mixed separators
            "10.244.1.17:4111 ports 4111111 11111111",    // addresses and short numbers
        ] {
            assert!(
                kinds(buf.as_bytes()).is_empty(),
                "{buf}: {:?}",
                kinds(buf.as_bytes())
            );
        }
    }

    #[test]
    fn random_digit_runs_are_not_cards() {
        // Long runs of pseudo-random digits contain Luhn-valid 16-digit windows, but no window
        // of a longer run is a candidate.
        let mut x = 0x2545F4914F6CDD1Du64;
        let mut digits = String::new();
        for _ in 0..4096 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            digits.push((b'0' + (x % 10) as u8) as char);
        }
        assert!(kinds(digits.as_bytes()).is_empty());
        let spaced: String = digits
            .as_bytes()
            .chunks(24)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(kinds(spaced.as_bytes()).is_empty());
    }
}
