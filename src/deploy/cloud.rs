//! Which Azure cloud a deployment goes to: its Resource Manager endpoint, its Entra ID authority,
//! its storage DNS suffix, and the overrides that tests (and sovereign or private clouds) use.

/// The three public Azure clouds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cloud {
    Public,
    UsGovernment,
    China,
}

/// Where a cloud's services answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// Resource Manager, e.g. `https://management.azure.com`, no trailing slash.
    pub arm: String,
    /// The audience of Resource Manager tokens (`<audience>/.default` is the scope asked for).
    /// It stays the cloud's even when `arm` is overridden.
    pub arm_audience: String,
    /// Entra ID, e.g. `https://login.microsoftonline.com`.
    pub authority: String,
    /// Blob endpoints are `https://<account>.blob.<suffix>`.
    pub storage_suffix: String,
    /// Replaces `https://<account>.blob.<suffix>` when set: `{account}` in it is the account's
    /// name (tests point this at Azurite: `https://127.0.0.1:10000/{account}`).
    pub blob_endpoint: Option<String>,
}

/// Storage tokens have the same audience in every cloud.
pub const STORAGE_SCOPE: &str = "https://storage.azure.com/.default";

impl Cloud {
    pub fn endpoints(self) -> Endpoints {
        let (arm, authority, storage_suffix) = match self {
            Cloud::Public => (
                "https://management.azure.com",
                "https://login.microsoftonline.com",
                "core.windows.net",
            ),
            Cloud::UsGovernment => (
                "https://management.usgovcloudapi.net",
                "https://login.microsoftonline.us",
                "core.usgovcloudapi.net",
            ),
            Cloud::China => (
                "https://management.chinacloudapi.cn",
                "https://login.chinacloudapi.cn",
                "core.chinacloudapi.cn",
            ),
        };
        Endpoints {
            arm: arm.to_string(),
            arm_audience: arm.to_string(),
            authority: authority.to_string(),
            storage_suffix: storage_suffix.to_string(),
            blob_endpoint: None,
        }
    }
}

impl Endpoints {
    /// The scope a Resource Manager token is asked for.
    pub fn arm_scope(&self) -> String {
        format!("{}/.default", self.arm_audience.trim_end_matches('/'))
    }

    /// `https://<arm><path>`; `path` starts with `/`.
    pub fn arm_url(&self, path: &str) -> String {
        format!("{}{path}", self.arm.trim_end_matches('/'))
    }

    /// Where a blob really is: the URL a build wrote (public-cloud form
    /// `https://<account>.blob.core.windows.net/<container>/<blob>`) moved to this cloud's
    /// suffix, or to the override. `None` for a URL that is not a blob URL.
    pub fn blob_url(&self, url: &str) -> Option<String> {
        let rest = url.strip_prefix("https://")?;
        let (host, path) = rest.split_once('/')?;
        let (account, _) = host.split_once(".blob.")?;
        let base = match &self.blob_endpoint {
            Some(template) => template.replace("{account}", account),
            None => format!("https://{account}.blob.{}", self.storage_suffix),
        };
        Some(format!("{}/{path}", base.trim_end_matches('/')))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cloud_has_its_own_endpoints() {
        let gov = Cloud::UsGovernment.endpoints();
        assert_eq!(
            gov.arm_scope(),
            "https://management.usgovcloudapi.net/.default"
        );
        assert_eq!(gov.authority, "https://login.microsoftonline.us");
        let china = Cloud::China.endpoints();
        assert_eq!(
            china.blob_url("https://pkgs.blob.core.windows.net/packages/a.zip"),
            Some("https://pkgs.blob.core.chinacloudapi.cn/packages/a.zip".into())
        );
    }

    #[test]
    fn an_overridden_blob_endpoint_keeps_container_and_blob() {
        let mut endpoints = Cloud::Public.endpoints();
        endpoints.blob_endpoint = Some("https://127.0.0.1:10000/{account}/".into());
        assert_eq!(
            endpoints.blob_url("https://pkgs.blob.core.windows.net/packages/sblc/a.zip"),
            Some("https://127.0.0.1:10000/pkgs/packages/sblc/a.zip".into())
        );
        assert_eq!(endpoints.blob_url("https://example.com/a.zip"), None);
    }
}
