//! [`SyscallSet`]: a set of syscall numbers of one personality, as plain numbers, so that what the
//! filter traces can be handed to a seccomp program ([`crate::trace::seccomp`]) or, later, an
//! in-kernel BPF map.

use std::ops::BitOrAssign;

use crate::trace::arch::Personality;

/// A set of syscall numbers of one personality: a dense bitset over the numbers below the end of
/// its table (holes included), and one answer for every number at or past that end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyscallSet {
    words: Box<[u64]>,
    /// The first number past the table ([`super::end`]).
    end: u64,
    /// Whether the numbers at or past `end` are members.
    beyond: bool,
}

impl SyscallSet {
    /// No number of `p`'s table, nor past it.
    pub fn empty(p: Personality) -> SyscallSet {
        SyscallSet::with_end(super::end(p), false)
    }

    /// Every number, in the table and past it.
    pub fn full(p: Personality) -> SyscallSet {
        SyscallSet::with_end(super::end(p), true)
    }

    fn with_end(end: u64, value: bool) -> SyscallSet {
        let n = usize::try_from(end.div_ceil(64)).expect("syscall table fits in memory");
        let mut set = SyscallSet {
            words: vec![if value { u64::MAX } else { 0 }; n].into_boxed_slice(),
            end,
            beyond: value,
        };
        if value && !end.is_multiple_of(64) {
            // Keep the bits past `end` clear, so that equal sets compare equal.
            set.words[n - 1] = (1 << (end % 64)) - 1;
        }
        set
    }

    /// Whether `nr` is a member.
    #[inline]
    pub fn contains(&self, nr: u64) -> bool {
        self.get(nr).unwrap_or(self.beyond)
    }

    /// Whether `nr` is a member, for numbers below [`end`](SyscallSet::end); `None` past it.
    #[inline]
    pub fn get(&self, nr: u64) -> Option<bool> {
        if nr < self.end {
            // nr < end, so the index is in bounds and fits in usize.
            Some(self.words[(nr / 64) as usize] >> (nr % 64) & 1 == 1)
        } else {
            None
        }
    }

    /// Adds or removes `nr`, a number below [`end`](SyscallSet::end).
    ///
    /// # Panics
    /// When `nr` is not below the end of the table.
    pub fn set(&mut self, nr: u64, value: bool) {
        assert!(
            nr < self.end,
            "syscall {nr} past the table's end {}",
            self.end
        );
        let word = &mut self.words[(nr / 64) as usize];
        if value {
            *word |= 1 << (nr % 64);
        } else {
            *word &= !(1 << (nr % 64));
        }
    }

    /// The first number past the personality's table.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Whether every number at or past [`end`](SyscallSet::end) is a member.
    pub fn beyond(&self) -> bool {
        self.beyond
    }

    /// The members below [`end`](SyscallSet::end), ascending.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            let base = 64 * i as u64;
            let mut rest = w;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let bit = u64::from(rest.trailing_zeros());
                rest &= rest - 1;
                Some(base + bit)
            })
        })
    }

    /// Whether every number is a member.
    pub fn is_full(&self) -> bool {
        self.beyond && *self == SyscallSet::with_end(self.end, true)
    }

    /// The numbers in either set.
    #[must_use]
    pub fn union(mut self, other: &SyscallSet) -> SyscallSet {
        self |= other;
        self
    }
}

impl BitOrAssign<&SyscallSet> for SyscallSet {
    /// Adds the members of `other`, a set of the same personality.
    ///
    /// # Panics
    /// When the two sets are of tables of different lengths.
    fn bitor_assign(&mut self, other: &SyscallSet) {
        assert_eq!(self.end, other.end, "sets of different tables");
        for (w, o) in self.words.iter_mut().zip(other.words.iter()) {
            *w |= o;
        }
        self.beyond |= other.beyond;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Personality::{Compat32, Native};

    #[test]
    fn members_below_and_past_the_end() {
        let mut s = SyscallSet::empty(Native);
        assert!(s.end() > 400 && !s.beyond() && s.iter().next().is_none());
        s.set(0, true);
        s.set(63, true);
        s.set(64, true);
        s.set(s.end() - 1, true);
        let last = s.end() - 1;
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 63, 64, last]);
        assert!(s.contains(63) && !s.contains(1) && !s.contains(s.end()));
        assert_eq!(s.get(s.end()), None);
        s.set(63, false);
        assert!(!s.contains(63));
        let full = SyscallSet::full(Native);
        assert!(full.is_full() && full.contains(u64::MAX));
        assert_eq!(full.iter().count() as u64, full.end());
        assert!(!s.is_full());
    }

    #[test]
    fn union_of_two_sets() {
        let mut a = SyscallSet::empty(Compat32);
        a.set(4, true);
        let mut b = SyscallSet::empty(Compat32);
        b.set(241, true);
        let u = a.clone().union(&b);
        assert_eq!(u.iter().collect::<Vec<_>>(), vec![4, 241]);
        assert!(!u.beyond());
        let all = a.union(&SyscallSet::full(Compat32));
        assert!(all.is_full());
    }
}
