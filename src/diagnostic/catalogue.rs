//! The one catalogue of diagnostic codes.
//!
//! Every code the compiler can emit is declared here, once, with its default level, the
//! `RULES.md` id it implements (analyser codes only), and a one-line summary. Its long explanation,
//! with an example, lives in `explain/<CODE>.md` and is compiled into the binary, so
//! `sblc explain CODE` works offline. Codes are stable: never renumber, only add.
//!
//! Ranges: `E01xx` syntax, `E02xx` imports, `E03xx` types, `E04xx` evaluation, `E05xx` resource
//! graph and emission, `x06xx` analyser rules, `E07xx` deployment.

/// The level a code has before any profile is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// The input is wrong or the deployment would fail.
    Error,
    /// A security finding: an error under the `strict` profile, a warning under `relaxed`.
    Security,
    /// Worth a look; never stops a build unless `--deny-warnings`.
    Warning,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Security => "security",
            Level::Warning => "warning",
        }
    }
}

/// What the catalogue knows about one code.
#[derive(Debug)]
pub struct CodeInfo {
    /// The stable code, e.g. `E0101`.
    pub code: &'static str,
    pub level: Level,
    /// The `RULES.md` id this code implements, for analyser rules.
    pub rule: Option<&'static str>,
    pub summary: &'static str,
    /// Markdown: what the code means, an example that triggers it, and the fix.
    pub explanation: &'static str,
}

macro_rules! catalogue {
    ($( $name:ident = $code:literal, $level:ident, $rule:expr, $summary:literal; )*) => {
        /// A diagnostic code. The variant names say what went wrong; [`Code::info`] gives the
        /// stable code string users see.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($name),* }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$name),*];

            pub fn info(self) -> &'static CodeInfo {
                match self {
                    $(Code::$name => {
                        static INFO: CodeInfo = CodeInfo {
                            code: $code,
                            level: Level::$level,
                            rule: $rule,
                            summary: $summary,
                            explanation: include_str!(concat!("explain/", $code, ".md")),
                        };
                        &INFO
                    })*
                }
            }
        }
    };
}

impl Code {
    pub fn as_str(self) -> &'static str {
        self.info().code
    }

    /// Whether the analyser reports this code (the `x06xx` range).
    pub fn is_analysis(self) -> bool {
        self.as_str().get(1..3) == Some("06")
    }

    /// Looks a code up by its string (`E0101`) or its RULES.md id (`ST1`), ignoring case.
    pub fn lookup(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| {
            let info = c.info();
            info.code.eq_ignore_ascii_case(text)
                || info.rule.is_some_and(|r| r.eq_ignore_ascii_case(text))
        })
    }
}

catalogue! {
    // --- E01xx: syntax -------------------------------------------------------------------------
    UnexpectedToken = "E0101", Error, None, "unexpected token";
    UnclosedDelimiter = "E0102", Error, None, "unclosed delimiter";
    UnterminatedString = "E0103", Error, None, "unterminated string";
    UnterminatedComment = "E0104", Error, None, "unterminated block comment";
    InvalidEscape = "E0105", Error, None, "invalid escape sequence in a string";
    IntegerLiteralTooLarge = "E0106", Error, None, "integer literal too large";
    UnknownCharacter = "E0107", Error, None, "character that cannot start a token";
    ExpectedExpression = "E0108", Error, None, "expected an expression";
    MissingSemicolon = "E0109", Error, None, "missing `;` after a binding";
    DuplicateBinding = "E0110", Error, None, "the same name is bound twice";
    NestingTooDeep = "E0111", Error, None, "expression nested too deeply";
    ChainedComparison = "E0112", Error, None, "comparison operators cannot be chained";
    DuplicateParameter = "E0113", Error, None, "a record pattern names the same field twice";
    InvalidImportTarget = "E0114", Error, None, "`import` takes a path literal or a stdlib module";
    TypeAliasOutsideLet = "E0115", Error, None, "type aliases are declared in `let` only";
    // (reserved for syntax)

    // --- E02xx: imports ------------------------------------------------------------------------
    ImportNotFound = "E0201", Error, None, "imported file not found";
    UnknownStdlibModule = "E0202", Error, None, "unknown stdlib module";
    ImportCycle = "E0203", Error, None, "import cycle";
    ImportUnreadable = "E0204", Error, None, "imported file cannot be read";
    // (reserved for imports)

    // --- E03xx: types --------------------------------------------------------------------------
    // (types)
    TypeMismatch = "E0301", Error, None, "a value does not have the expected type";
    UnknownVariable = "E0302", Error, None, "unknown variable";
    UnknownField = "E0303", Error, None, "a record has a field its type does not declare";
    MissingField = "E0304", Error, None, "a record lacks a required field";
    SelectedFieldMissing = "E0305", Error, None, "selecting a field the record does not have";
    ValueNotAllowed = "E0306", Error, None, "a string is not one of the allowed values";
    UnknownType = "E0307", Error, None, "unknown type name";
    RecursiveTypeAlias = "E0308", Error, None, "a type alias refers to itself";
    NotAFunction = "E0309", Error, None, "calling a value that is not a function";
    TooManyArguments = "E0310", Error, None, "a function is given too many arguments";
    ConditionNotBool = "E0311", Error, None, "the condition of `if` or `assert` is not a Bool";
    BranchMismatch = "E0312", Error, None, "the branches of `if` have different types";
    OperatorMismatch = "E0313", Error, None, "an operator is applied to operands of the wrong types";
    NotStringable = "E0314", Error, None, "a value that cannot be interpolated into a string";

    // --- E04xx: evaluation ---------------------------------------------------------------------
    // (evaluation)
    AssertionFailed = "E0401", Error, None, "an assertion failed";
    Thrown = "E0402", Error, None, "the program called `throw`";
    InfiniteRecursion = "E0403", Error, None, "a value depends on itself";
    RecursionTooDeep = "E0404", Error, None, "calls nested too deeply";
    DivisionByZero = "E0405", Error, None, "division by zero";
    IntegerOverflow = "E0406", Error, None, "integer overflow";
    NoSuchField = "E0407", Error, None, "the record has no such field";
    CalledNonFunction = "E0408", Error, None, "called a value that is not a function";
    RuntimeTypeError = "E0409", Error, None, "a value of the wrong type at run time";
    InterpolationOfWrongType = "E0410", Error, None, "interpolated value is not a String, Int or Path";
    InvalidCidr = "E0411", Error, None, "invalid CIDR prefix, address or subnet request";
    IndexOutOfRange = "E0412", Error, None, "list index out of range";
    EmptyList = "E0413", Error, None, "`head` or `tail` of an empty list";
    UnexpectedArgumentField = "E0414", Error, None, "a function got a record argument with a field it does not take";
    MissingArgumentField = "E0415", Error, None, "a function got a record argument without a field it needs";
    NotSerializable = "E0416", Error, None, "a function cannot be converted to JSON";
    ContractViolated = "E0417", Error, None, "a value does not match its type annotation";
    UnevaluableCode = "E0418", Error, None, "code that failed to parse or load cannot be evaluated";
    InvalidBuiltinArgument = "E0419", Error, None, "a builtin got an argument outside what it accepts";

    // --- E05xx: resource graph (E0501-E0529) and emission (E0530-E0559) -------------------------
    // (resource graph)
    InvalidResource = "E0501", Error, None, "a resource declaration is incomplete or malformed";
    DuplicateResource = "E0502", Error, None, "the same resource is declared twice";
    DependencyCycle = "E0503", Error, None, "resources refer to each other in a cycle";
    MissingResourceGroup = "E0504", Error, None, "a resource at subscription scope has no resource group";
    MisplacedResourceGroup = "E0505", Error, None, "a resource group declared in a resource-group deployment";
    SecureParameterDefault = "E0506", Error, None, "a secure parameter has a default value";
    SecretInOutput = "E0507", Error, None, "a deployment output reveals a secure parameter";
    InvalidDeployment = "E0508", Error, None, "the program's value is not a valid deployment";
    InvalidParameter = "E0509", Error, None, "a deployment parameter is malformed or undeclared";
    RuntimeValueInName = "E0510", Error, None, "a resource name depends on a deployment-time value";

    // (emission)
    ParentInOtherGroup = "E0530", Error, None, "a child or extension resource is in another resource group than its parent or scope";
    EmptyGuid = "E0531", Error, None, "a guid of no arguments";
    TemplateTooLarge = "E0532", Error, None, "the ARM template would exceed 4 MB";
    TooManyResources = "E0533", Error, None, "the ARM template would declare more than 800 resources";
    TooManyParameters = "E0534", Error, None, "a template would declare more than 256 parameters";
    TooManyOutputs = "E0535", Error, None, "a template would declare more than 64 outputs";
    // start-task scripts (E0550-E0559)
    PackageFileUnreadable = "E0550", Error, None, "a package's local zip cannot be read";
    InvalidPackageSha256 = "E0551", Error, None, "a package's SHA-256 is not 64 lowercase hex digits";
    InvalidPackageName = "E0552", Error, None, "a package name or version cannot name a folder on the node";
    InvalidPackageUrl = "E0553", Error, None, "a package's blob URL is not a plain https Azure blob URL";
    DuplicatePackage = "E0554", Error, None, "two packages of a pool would share a folder or variable";
    StartTaskWithoutIdentity = "E0555", Error, None, "a pool with packages has no identity to download them with";
    InvalidStartTaskPool = "E0556", Error, None, "a pool name cannot name its start-task script folder";

    // --- x06xx: analyser ---
    IdentityNotOnPool = "E0601", Error, Some("ID1"), "a pool uses a node identity that is not among its own identities";
    MissingNodeIdentityReference = "E0602", Error, Some("ID2"), "auto-storage uses the account identity but names no node identity for pools";
    SystemIdentityOnPool = "E0603", Error, Some("ID3"), "a pool is given a system-assigned identity";
    AccountIdentityOnPool = "E0604", Error, Some("ID4"), "a pool uses the Batch account's own identity";
    NodeIdentityWithoutStorageRole = "E0605", Error, Some("ID5"), "a node identity reads a storage account without a Storage Blob Data role there";
    AccountIdentityWithoutStorageRole = "E0606", Error, Some("ID6"), "the account identity cannot write application packages to auto-storage";
    AmbiguousImdsIdentity = "E0607", Error, Some("ID7"), "a node script asks IMDS for a token without naming one of several identities";
    StorageOpenToInternet = "S0611", Security, Some("ST1"), "a storage account accepts traffic from all networks";
    StorageUnreachableFromPool = "E0612", Error, Some("ST2"), "a pool downloads from a storage account whose firewall shuts it out";
    BatchAddressesInStorageFirewall = "W0613", Warning, Some("ST3"), "a storage firewall allow-lists IP addresses by hand for Batch nodes";
    StorageKeysOrSas = "S0614", Security, Some("ST4"), "storage account keys, shared-key access or SAS tokens in the configuration";
    WeakStorageTransport = "S0615", Security, Some("ST5"), "a storage account accepts old TLS, plain HTTP or anonymous blob access";
    BatchSharedKeyAuth = "S0621", Security, Some("BA1"), "a Batch account accepts shared-key authentication";
    BatchPublicEndpoint = "S0622", Security, Some("BA2"), "a Batch account is reachable publicly or lacks private endpoints and DNS";
    UserSubscriptionVault = "E0623", Error, Some("BA3"), "user-subscription pool allocation without a usable Key Vault";
    UserSubscriptionRoles = "W0624", Warning, Some("BA4"), "user-subscription mode role prerequisites are missing";
    CloudServicePool = "E0631", Error, Some("PO1"), "a pool uses Cloud Services configuration";
    PoolPublicAddresses = "S0632", Security, Some("PO2"), "a pool's nodes get public IP addresses";
    PoolRemoteAccess = "S0633", Security, Some("PO3"), "remote access (SSH/RDP) to pool nodes is open";
    PoolDiskUnencrypted = "S0634", Security, Some("PO4"), "a pool does not encrypt its nodes' disks";
    PoolEgressBlocked = "E0635", Error, Some("PO5"), "a pool subnet's NSG, routes or firewall block what nodes need";
    ClassicNodeCommunication = "E0636", Error, Some("PO6"), "a pool uses the retired classic node communication mode";
    CmkWithoutIdentity = "E0641", Error, Some("CK1"), "customer-managed keys on a Batch account without a managed identity";
    CmkVaultNotRecoverable = "E0642", Error, Some("CK2"), "the key vault of a customer-managed key lacks soft delete or purge protection";
    CmkUnsupportedKey = "E0643", Error, Some("CK3"), "a customer-managed key that is not RSA 2048, 3072 or 4096";
    CmkKeyAccessMissing = "E0644", Error, Some("CK4"), "the Batch account identity cannot get, wrap and unwrap its key";
    CmkOnExistingAccount = "E0645", Error, Some("CK5"), "customer-managed keys added to an existing Batch account";
    CmkVersionedKey = "W0646", Warning, Some("CK6"), "a customer-managed key pinned to one key version";
    AddressSpaceConflict = "E0651", Error, Some("NW1"), "address prefixes outside their VNet or overlapping";
    PrivateEndpointDns = "E0652", Error, Some("NW2"), "a private endpoint without private DNS for its clients";
    SpokeBypassesFirewall = "S0653", Security, Some("NW3"), "a spoke subnet has no default route to the hub firewall";
    PeeringOneSided = "E0654", Error, Some("NW4"), "a VNet peering or its gateway transit is declared on one side only";
    FirewallRuleTooWide = "S0655", Security, Some("NW5"), "a firewall rule allows any source to any destination, or a too-wide FQDN";
    EndpointPoliciesDisabled = "W0656", Warning, Some("NW6"), "private endpoint network policies disabled on a subnet with an NSG or routes";
    VaultPublicAccess = "S0661", Security, Some("KV1"), "a key vault is reachable publicly or has no private endpoint";
    VaultNotRecoverable = "S0662", Security, Some("KV2"), "a key vault lacks soft delete or purge protection";
    AllowWithoutReason = "E0691", Error, None, "an allow gives no reason";
    UnusedAllow = "W0692", Warning, None, "an allow suppresses nothing";
    ResourceDeploymentFailed = "E0701", Error, None, "Azure rejected a resource during the deployment";
    PackageUploadFailed = "E0702", Error, None, "a start-task file could not be put in storage";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let info = code.info();
            assert!(seen.insert(info.code), "duplicate code {}", info.code);
            assert_eq!(info.code.len(), 5, "{}", info.code);
            assert!(matches!(&info.code[..1], "E" | "W" | "S"), "{}", info.code);
            assert!(!info.summary.is_empty());
        }
    }

    #[test]
    fn every_explanation_has_a_title_and_an_example() {
        for code in Code::ALL {
            let info = code.info();
            assert!(
                info.explanation.starts_with(&format!("# {}", info.code)),
                "{} explanation must start with its heading",
                info.code
            );
            assert!(
                info.explanation.contains("```sbl"),
                "{} explanation needs an sbl example",
                info.code
            );
        }
    }

    #[test]
    fn lookup_accepts_any_case() {
        assert_eq!(Code::lookup("e0101"), Some(Code::UnexpectedToken));
        assert_eq!(Code::lookup("E9999"), None);
    }
}
