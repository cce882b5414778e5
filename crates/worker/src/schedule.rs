//! Which tenant the worker turns to next: tenants with work wait in one round-robin line, each
//! in it at most once; a tenant's turn does a bounded batch, and a tenant with more goes to the
//! back of the line, so one busy tenant never holds the others up. A tenant never has two turns
//! at once (one notice during its turn earns it another), and a tenant whose next work lies in
//! the future (a job's `run_at`, a failed batch's backoff) waits on a timer, not in the line.

use lyceum_domain::TenantId;
use std::collections::{BTreeSet, HashMap, VecDeque};
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// In the line.
    Ready,
    /// Having its turn; `again`: work was announced meanwhile.
    Busy { again: bool },
    /// Waiting for its timer.
    Waiting(Instant),
}

#[derive(Debug, Default)]
pub(crate) struct Schedule {
    line: VecDeque<TenantId>,
    places: HashMap<TenantId, Place>,
    timers: BTreeSet<(Instant, TenantId)>,
}

impl Schedule {
    /// `tenant` has work now.
    pub(crate) fn wake(&mut self, tenant: TenantId) {
        match self.places.get(&tenant).copied() {
            Some(Place::Ready) => {}
            Some(Place::Busy { .. }) => {
                self.places.insert(tenant, Place::Busy { again: true });
            }
            Some(Place::Waiting(at)) => {
                self.timers.remove(&(at, tenant));
                self.enter(tenant);
            }
            None => self.enter(tenant),
        }
    }

    /// `tenant` will have work at `at` (an earlier timer it has stays).
    pub(crate) fn wake_at(&mut self, tenant: TenantId, at: Instant) {
        match self.places.get(&tenant).copied() {
            Some(Place::Ready | Place::Busy { .. }) => {}
            Some(Place::Waiting(earlier)) if earlier <= at => {}
            Some(Place::Waiting(later)) => {
                self.timers.remove(&(later, tenant));
                self.wait(tenant, at);
            }
            None => self.wait(tenant, at),
        }
    }

    /// The tenant whose turn it is, now busy; `None` when the line is empty.
    pub(crate) fn next(&mut self) -> Option<TenantId> {
        let tenant = self.line.pop_front()?;
        self.places.insert(tenant, Place::Busy { again: false });
        Some(tenant)
    }

    /// `tenant`'s turn is over: back in the line if it has `more` or was woken meanwhile, else
    /// waiting for `next_at` if any, else forgotten.
    pub(crate) fn done(&mut self, tenant: TenantId, more: bool, next_at: Option<Instant>) {
        let again = matches!(
            self.places.remove(&tenant),
            Some(Place::Busy { again: true })
        );
        if more || again {
            self.enter(tenant);
        } else if let Some(at) = next_at {
            self.wait(tenant, at);
        }
    }

    /// When the earliest timer rings.
    pub(crate) fn next_timer(&self) -> Option<Instant> {
        self.timers.first().map(|(at, _)| *at)
    }

    /// Moves the tenants whose timers rang by `now` into the line.
    pub(crate) fn ring_timers(&mut self, now: Instant) {
        while let Some(&(at, tenant)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.pop_first();
            self.enter(tenant);
        }
    }

    pub(crate) fn in_line(&self) -> usize {
        self.line.len()
    }

    fn enter(&mut self, tenant: TenantId) {
        self.places.insert(tenant, Place::Ready);
        self.line.push_back(tenant);
    }

    fn wait(&mut self, tenant: TenantId, at: Instant) {
        self.places.insert(tenant, Place::Waiting(at));
        self.timers.insert((at, tenant));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_busy_tenant_with_more_work_goes_behind_the_others() {
        let mut schedule = Schedule::default();
        let (busy, other) = (TenantId::new(), TenantId::new());
        schedule.wake(busy);
        assert_eq!(schedule.next(), Some(busy));
        schedule.wake(other);
        schedule.done(busy, true, None);
        assert_eq!(schedule.next(), Some(other));
        assert_eq!(schedule.next(), Some(busy));
        assert_eq!(schedule.next(), None);
    }

    #[test]
    fn a_tenant_is_in_line_once_and_never_has_two_turns() {
        let mut schedule = Schedule::default();
        let tenant = TenantId::new();
        schedule.wake(tenant);
        schedule.wake(tenant);
        assert_eq!(schedule.in_line(), 1);
        assert_eq!(schedule.next(), Some(tenant));
        schedule.wake(tenant);
        assert_eq!(schedule.next(), None, "a second turn at once");
        schedule.done(tenant, false, None);
        assert_eq!(
            schedule.next(),
            Some(tenant),
            "the notice during its turn was lost"
        );
        schedule.done(tenant, false, None);
        assert_eq!(schedule.next(), None);
    }

    #[test]
    fn timers_bring_tenants_back_when_their_work_is_due() {
        let mut schedule = Schedule::default();
        let (soon, later) = (TenantId::new(), TenantId::new());
        let now = Instant::now();
        schedule.wake_at(later, now + Duration::from_secs(60));
        schedule.wake(soon);
        assert_eq!(schedule.next(), Some(soon));
        schedule.done(soon, false, Some(now + Duration::from_secs(5)));
        schedule.wake_at(later, now + Duration::from_secs(10));
        assert_eq!(schedule.next_timer(), Some(now + Duration::from_secs(5)));
        schedule.ring_timers(now + Duration::from_secs(10));
        assert_eq!(schedule.next(), Some(soon));
        assert_eq!(schedule.next(), Some(later));
        assert_eq!(schedule.next_timer(), None);
        // Work announced before a timer rings brings the tenant in at once.
        let waiting = TenantId::new();
        schedule.wake_at(waiting, now + Duration::from_secs(60));
        schedule.wake(waiting);
        assert_eq!(schedule.next(), Some(waiting));
        assert_eq!(schedule.next_timer(), None);
    }
}
