//! The directory contract, written once over `&dyn Directory`.

use beh_core::directory::{DirectoryData, Person, PersonKey, Unit};
use beh_core::id::{HsaId, PassportNumber, Personnummer, VgrId};
use beh_core::ports::Directory;
use chrono::NaiveDate;

fn pnr(s: &str) -> Personnummer {
    Personnummer::parse(s, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).unwrap()
}

fn hsa(s: &str) -> HsaId {
    HsaId::parse(s).unwrap()
}

async fn person(d: &dyn Directory, key: PersonKey) -> Option<Person> {
    d.person(&key).await.unwrap_or_else(|e| panic!("look-up {key:?}: {e}"))
}

async fn search(d: &dyn Directory, q: &str, limit: usize) -> Vec<Unit> {
    d.search_units(q, limit).await.unwrap_or_else(|e| panic!("search {q:?}: {e}"))
}

fn names(units: &[Unit]) -> Vec<&str> {
    units.iter().map(|u| u.name.as_str()).collect()
}

fn full_names(people: &[Person]) -> Vec<String> {
    people.iter().map(Person::full_name).collect()
}

/// Strings that would change an unescaped filter.
pub const INJECTIONS: &[&str] = &[
    "*",
    "*)(objectClass=*",
    "*)(|(objectClass=*)",
    ")(|(ou=*",
    "*))(|(hsaIdentity=*",
    "\\",
    "\\2a",
    "(",
    ")",
    "a*b",
    "su)(vgrAttestFor=*",
    "\0",
    "vård\0central",
    "Östra*",
];

pub async fn run(d: &dyn Directory, data: &DirectoryData) {
    d.ping().await.expect("ping");
    every_person_by_every_key(d, data).await;
    screen_one_fields_and_flags(d).await;
    people_not_found(d).await;
    units(d, data).await;
    unit_search(d, data).await;
    injection(d).await;
    attestants(d).await;
}

async fn every_person_by_every_key(d: &dyn Directory, data: &DirectoryData) {
    for p in &data.persons {
        let mut keys = vec![PersonKey::HsaId(p.hsa_id.clone())];
        keys.extend(p.personnummer.clone().map(PersonKey::Personnummer));
        keys.extend(p.passport.clone().map(PersonKey::Passport));
        keys.extend(p.vgr_id.clone().map(PersonKey::VgrId));
        for key in keys {
            let found = person(d, key.clone()).await;
            assert_eq!(found.as_ref(), Some(p), "{key:?}");
        }
    }
}

async fn screen_one_fields_and_flags(d: &dyn Directory) {
    let sten = person(d, PersonKey::Personnummer(pnr("197311056290"))).await.unwrap();
    assert_eq!(sten.vgr_id.as_ref().map(VgrId::as_str), Some("steli11"));
    assert_eq!((sten.given_name.as_str(), sten.surname.as_str()), ("Sten", "Lindblom"));
    assert_eq!(sten.title.as_deref(), Some("Konsult"));
    assert_eq!(sten.responsibility_number.as_deref(), Some("Z60640"));
    assert_eq!(sten.hsa_id, hsa("SE2321000131-P000000230147"));
    assert_eq!(sten.mail.as_deref(), Some("sten.lindblom@example.invalid"));
    assert_eq!(sten.administrations, ["wasterlakarna"]);
    assert!(sten.attest_for.is_empty() && !sten.student && !sten.service_desk);

    // The 10-digit form of a personnummer is the same person.
    let ten = Personnummer::parse("7311056290", NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
    assert_eq!(person(d, PersonKey::Personnummer(ten.unwrap())).await, Some(sten.clone()));
    // HSA-ids compare without regard to case; VGR-IDs are folded to lower case.
    let lower = hsa("SE2321000131-p000000230147");
    assert_eq!(person(d, PersonKey::HsaId(lower)).await, Some(sten.clone()));
    let upper = VgrId::parse("STELI11").unwrap();
    assert_eq!(person(d, PersonKey::VgrId(upper)).await, Some(sten));

    let xsuper = person(d, PersonKey::Passport(PassportNumber::parse("xp1234567").unwrap())).await;
    assert_eq!(xsuper.unwrap().vgr_id.unwrap().as_str(), "xsuper");

    let student = person(d, PersonKey::Personnummer(pnr("200106079882"))).await.unwrap();
    assert!(student.student && student.vgr_id.is_none(), "{student:?}");
    let no_vgr_id = person(d, PersonKey::Personnummer(pnr("198808219896"))).await.unwrap();
    assert!(!no_vgr_id.student && no_vgr_id.vgr_id.is_none(), "{no_vgr_id:?}");
    let desk = person(d, PersonKey::HsaId(hsa("SE2321000131-F000000000999"))).await.unwrap();
    assert!(desk.service_desk && desk.vgr_id.is_none() && desk.personnummer.is_none());

    let linnea = person(d, PersonKey::VgrId(VgrId::parse("linerb").unwrap())).await.unwrap();
    assert_eq!(linnea.administrations, ["su", "vgrit"]);
    assert_eq!(linnea.attest_for, ["su", "vgrit"]);
}

async fn people_not_found(d: &dyn Directory) {
    let unknown = [
        // The classic Swedish test number: valid, but not in the demo directory.
        PersonKey::Personnummer(pnr("191212121212")),
        PersonKey::Passport(PassportNumber::parse("ZZ9999999").unwrap()),
        PersonKey::HsaId(hsa("SE2321000131-P999999999999")),
        // A unit's HSA-id is not a person.
        PersonKey::HsaId(hsa("SE2321000131-E000000000101")),
        PersonKey::VgrId(VgrId::parse("nobody1").unwrap()),
    ];
    for key in unknown {
        assert_eq!(person(d, key.clone()).await, None, "{key:?}");
    }
}

async fn units(d: &dyn Directory, data: &DirectoryData) {
    for u in &data.units {
        assert_eq!(d.unit(&u.hsa_id).await.unwrap().as_ref(), Some(u));
    }
    let care = d.unit(&hsa("SE2321000131-E000000000101")).await.unwrap().unwrap();
    assert!(care.is_care_unit);
    let office = d.unit(&hsa("SE2321000131-E000000000109")).await.unwrap().unwrap();
    assert_eq!(office.name, "Wästerläkarna kansli");
    assert!(!office.is_care_unit);
    assert_eq!(d.unit(&hsa("SE2321000131-E999")).await.unwrap(), None);
    // A person's HSA-id is not a unit.
    assert_eq!(d.unit(&hsa("SE2321000131-P000000230147")).await.unwrap(), None);
}

async fn unit_search(d: &dyn Directory, data: &DirectoryData) {
    let mut all = data.units.clone();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(search(d, "", 50).await, all, "empty q lists all (up to the limit) by name");
    assert_eq!(search(d, "", 3).await, all[..3].to_vec());
    assert!(search(d, "", 0).await.is_empty());

    let vc = search(d, "vårdcentral", 50).await;
    assert_eq!(
        names(&vc),
        [
            "Wästerläkarna Centrum vårdcentral",
            "Wästerläkarna Frölunda vårdcentral",
            "Wästerläkarna Hisingen vårdcentral",
            "Wästerläkarna Lundby vårdcentral",
            "Wästerläkarna Majorna vårdcentral",
        ]
    );
    assert!(vc.iter().all(|u| u.is_care_unit));
    // Case-insensitive, also beyond ASCII.
    assert_eq!(search(d, "VÅRDCENTRAL", 50).await, vc);
    assert_eq!(names(&search(d, "östra", 50).await), ["SU Östra BB"]);
    assert_eq!(names(&search(d, "SAHLGRENSKA", 50).await), ["SU Sahlgrenska akutmottagning"]);
    // By HSA-id, whole or part, any case.
    let by_id = search(d, "e00000000010", 50).await;
    assert_eq!(by_id.len(), 6, "{by_id:?}");
    let one = search(d, "SE2321000131-E000000000209", 50).await;
    assert_eq!(names(&one), ["SU IT-enheten"]);
    assert!(!one[0].is_care_unit);
    // Units only, never people.
    assert!(search(d, "P000000230147", 50).await.is_empty());
    assert!(search(d, "Lindblom", 50).await.is_empty());
    assert!(search(d, "finns inte", 50).await.is_empty());
    assert_eq!(search(d, "wästerläkarna", 2).await.len(), 2);
}

async fn injection(d: &dyn Directory) {
    for q in INJECTIONS {
        assert!(search(d, q, 50).await.is_empty(), "search {q:?} found something");
        let found = d.attestants(q).await.unwrap_or_else(|e| panic!("attestants {q:?}: {e}"));
        assert!(found.is_empty(), "attestants {q:?} found {found:?}");
    }
    let long = "a".repeat(10_000);
    assert!(search(d, &long, 50).await.is_empty());
    // Nothing broke.
    assert_eq!(search(d, "Östra", 50).await.len(), 1);
    d.ping().await.unwrap();
}

async fn attestants(d: &dyn Directory) {
    let w = d.attestants("wasterlakarna").await.unwrap();
    assert_eq!(full_names(&w), ["Agda Andersson", "Fredrik Dahlbom"]);
    assert!(w.iter().all(|p| p.may_attest("wasterlakarna")));
    assert_eq!(full_names(&d.attestants("su").await.unwrap()), ["Linnea Ericson", "Marie Hedberg"]);
    assert_eq!(full_names(&d.attestants("vgrit").await.unwrap()), ["Linnea Ericson"]);
    assert!(d.attestants("okand").await.unwrap().is_empty());
    assert!(d.attestants("").await.unwrap().is_empty());
    // Slugs are exact.
    assert!(d.attestants("SU").await.unwrap().is_empty());
}
