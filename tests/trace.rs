//! `ksec trace` against real programs whose syscall counts are known.
