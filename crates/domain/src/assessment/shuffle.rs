//! Shuffling an attempt's questions and options: a permutation drawn from the attempt's seed,
//! so the same attempt shows the same order every time it is read, and no clock or random
//! source is needed here.

/// SplitMix64: small, fast, and good enough to shuffle a quiz.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `bound` (`bound` > 0).
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// `items` in the order `seed` draws (Fisher-Yates).
pub fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut out = items.to_vec();
    let mut rng = SplitMix(seed);
    for i in (1..out.len()).rev() {
        let j = rng.below(i + 1);
        out.swap(i, j);
    }
    out
}

/// A seed for one question of an attempt: the attempt's seed mixed with the question's id.
pub(crate) fn question_seed(attempt_seed: u64, question: uuid::Uuid) -> u64 {
    let id = question.as_u128();
    let mut rng = SplitMix(attempt_seed ^ (id as u64) ^ ((id >> 64) as u64).rotate_left(17));
    rng.next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_always_draws_the_same_permutation() {
        let items: Vec<u32> = (0..20).collect();
        let once = shuffled(&items, 42);
        assert_eq!(once, shuffled(&items, 42));
        assert_ne!(once, items, "twenty items stayed in place");
        let mut sorted = once.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, items);
        assert!(shuffled::<u32>(&[], 1).is_empty());
    }
}
