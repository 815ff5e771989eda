//! Sample start-task specs.

use sblc::emit::start_task::{Os, Package, StartTaskSpec};

pub const CLIENT_ID: &str = "6a1d3c1e-93a3-4d6e-9d3b-1f0e9a2b7c44";

pub fn package(name: &str, version: &str, blob: &str, sha256: &str) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        blob_url: format!("https://sbpricingpkgs.blob.core.windows.net/packages/{blob}"),
        sha256: sha256.into(),
    }
}

/// Two packages, a literal client id.
pub fn two_packages(os: Os) -> StartTaskSpec {
    StartTaskSpec {
        pool: "pricing".into(),
        os,
        client_id: CLIENT_ID.into(),
        packages: vec![
            package(
                "pricer",
                "2.4.1",
                "pricer/pricer-2.4.1.zip",
                "3f0a2c4b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708",
            ),
            package(
                "market-data",
                "2026.11.0+build.7",
                "market%20data/md-2026.11.0.zip",
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            ),
        ],
    }
}

/// Every shape of spec the generators must handle.
pub fn all(os: Os) -> Vec<(&'static str, StartTaskSpec)> {
    let two = two_packages(os);
    vec![
        (
            "no packages",
            StartTaskSpec {
                packages: vec![],
                ..two.clone()
            },
        ),
        (
            "one package",
            StartTaskSpec {
                packages: two.packages[..1].to_vec(),
                ..two.clone()
            },
        ),
        (
            "placeholder client id",
            StartTaskSpec {
                client_id: "[reference(parameters('identity'), '2023-01-31').clientId]".into(),
                ..two.clone()
            },
        ),
        ("two packages", two),
    ]
}
