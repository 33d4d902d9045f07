//! The injected clock. Logic and widgets get dates from a `Clock`, never from the system.

use chrono::{Local, NaiveDate, NaiveDateTime};

/// Today's date and the current time, either real or fixed (`--today`, tests, demos).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    fixed_today: Option<NaiveDate>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self { fixed_today: None }
    }

    /// A clock whose date is always `today`; the time of day stays real, so audit
    /// timestamps still order correctly.
    pub fn fixed(today: NaiveDate) -> Self {
        Self {
            fixed_today: Some(today),
        }
    }

    pub fn from_option(today: Option<NaiveDate>) -> Self {
        today.map_or_else(Self::system, Self::fixed)
    }

    pub fn today(&self) -> NaiveDate {
        self.fixed_today
            .unwrap_or_else(|| Local::now().date_naive())
    }

    pub fn now(&self) -> NaiveDateTime {
        let now = Local::now().naive_local();
        match self.fixed_today {
            Some(day) => day.and_time(now.time()),
            None => now,
        }
    }

    pub fn is_fixed(&self) -> bool {
        self.fixed_today.is_some()
    }
}
