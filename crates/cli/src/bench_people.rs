//! `lyceum bench --user-import N`: the CSV import of N people through the use case, as the API
//! and the portal run it (one write transaction, the file checked row by row, people inserted in
//! bulk, an invitation and its mail queued for each). Timed twice on fresh tenants of every
//! placement: rows without courses, and rows that each enroll their person in one course.

use crate::bench_seed;
use anyhow::{ensure, Result};
use clap::Args;
use lyceum_app::identity::import::import_people;
use lyceum_app::identity::NewPassword;
use lyceum_domain::{Plan, Slug};
use lyceum_store::{NewTenant, Store};
use std::time::Instant;

#[derive(Args)]
pub struct PeopleBenchArgs {
    /// Time a CSV import of this many people (instead of the storage benchmarks).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    user_import: Option<u32>,
}

impl PeopleBenchArgs {
    pub fn enabled(&self) -> bool {
        self.user_import.is_some()
    }
}

pub async fn run(store: &Store, args: &PeopleBenchArgs, tag: &str) -> Result<()> {
    let rows = args.user_import.unwrap_or(5_000) as usize;
    let password = NewPassword::choose(crate::bench_api::PASSWORD.to_owned()).await?;
    for &placement in store.placements() {
        for with_course in [false, true] {
            let slug = format!("people-{tag}-{placement}-{}", u8::from(with_course));
            let mut new = NewTenant::new(Slug::parse(&slug)?, "People bench");
            new.plan = Plan::Enterprise;
            new.placement = Some(placement);
            let tenant = store.provision(new).await?;
            let mut tx = store.begin_write(&tenant).await?;
            let admin = bench_seed::admin(&mut tx, tenant.plan, &password).await?;
            bench_seed::published_course(&mut tx, &admin, 1, 1).await?;
            tx.commit().await?;
            let mut csv = String::from("email,name,role,courses\n");
            for i in 0..rows {
                let course = if with_course { "course-1" } else { "" };
                csv.push_str(&format!(
                    "person{i}@bench.test,Person {i},student,{course}\n"
                ));
            }
            let started = Instant::now();
            let mut tx = store.begin_write(&tenant).await?;
            let report = import_people(&mut tx, &admin, csv.as_bytes()).await?;
            tx.commit().await?;
            let took = started.elapsed();
            ensure!(
                report.created == rows,
                "{} of {rows} people created: {:?}",
                report.created,
                report.rows.iter().find(|r| r.code.is_some())
            );
            println!(
                "user import {placement:<9} rows={rows:<6} courses={:<3} {:>8.2} s  {:>8.0} rows/s",
                if with_course { "1" } else { "0" },
                took.as_secs_f64(),
                rows as f64 / took.as_secs_f64()
            );
        }
    }
    Ok(())
}
