//! One test per RULES.md id: the secure baseline changed in one place triggers the rule (its
//! diagnostics are snapshot in `snapshots/analyse/<ID>.snap`), and a close variant does not.
//! CK5 and BA4 need a live state: `tests/analyse_live.rs`.

mod analyse_support;

use analyse_support::*;
use sblc::diagnostic::Code;
use serde_json::json;

macro_rules! rule {
    ($test:ident, $rule:literal, $code:ident, trigger: $trigger:expr, close: $close:expr $(,)?) => {
        #[test]
        fn $test() {
            let trigger: fn(&mut Deployment) = $trigger;
            let close: fn(&mut Deployment) = $close;
            let mut d = baseline();
            trigger(&mut d);
            let codes = d.codes();
            assert!(
                codes.contains(&Code::$code),
                "{} does not trigger: {:?}",
                $rule,
                codes
            );
            assert_eq!(Code::$code.info().rule, Some($rule));
            snapshot($rule, &d.render(Code::$code));
            let mut d = baseline();
            close(&mut d);
            let codes = d.codes();
            assert!(
                !codes.contains(&Code::$code),
                "the close variant triggers {}: {}",
                $rule,
                d.render(Code::$code)
            );
        }
    };
}

fn no_change(_: &mut Deployment) {}

// --- identities ----------------------------------------------------------------------------------

rule!(id1_node_identity_not_on_pool, "ID1", IdentityNotOnPool,
    trigger: |d| {
        let other = add_identity(d, "other-id");
        set_pool_identities(d, &[other]);
    },
    close: |d| {
        let other = add_identity(d, "other-id");
        let nodes = d.index("nodes-id");
        set_pool_identities(d, &[nodes, other]);
    },
);

rule!(id2_no_node_identity_reference, "ID2", MissingNodeIdentityReference,
    trigger: |d| {
        d.get("sblbatch")["properties"]["autoStorage"].as_object_mut().map(|a| a.remove("nodeIdentityReference"));
    },
    close: |d| {
        d.get("sblbatch")["properties"]["autoStorage"].as_object_mut().map(|a| a.remove("nodeIdentityReference"));
        let pool = d.get("render");
        pool["properties"].as_object_mut().map(|p| p.remove("applicationPackages"));
        pool["properties"]["startTask"]["resourceFiles"] = json!([]);
    },
);

rule!(id3_system_identity_on_pool, "ID3", SystemIdentityOnPool,
    trigger: |d| d.get("render")["identity"]["type"] = json!("SystemAssigned, UserAssigned"),
    close: |d| d.get("render")["identity"]["type"] = json!("UserAssigned"),
);

fn account_with_user_identity(d: &mut Deployment) -> usize {
    let batch_id = add_identity(d, "batch-id");
    let mut identities = serde_json::Map::new();
    identities.insert(id(batch_id), json!({}));
    let account = d.get("sblbatch");
    account["identity"] = json!({ "type": "UserAssigned", "userAssignedIdentities": identities });
    account["properties"]["autoStorage"]["nodeIdentityReference"] =
        json!({ "resourceId": id(batch_id) });
    batch_id
}

rule!(id4_account_identity_on_nodes, "ID4", AccountIdentityOnPool,
    trigger: |d| {
        account_with_user_identity(d);
    },
    close: |d| {
        let batch_id = account_with_user_identity(d);
        let nodes = d.index("nodes-id");
        set_pool_identities(d, &[nodes, batch_id]);
    },
);

rule!(id5_node_identity_without_storage_role, "ID5", NodeIdentityWithoutStorageRole,
    trigger: |d| d.disable("nodes-read-storage"),
    close: |d| d.get("nodes-read-storage")["properties"]["roleDefinitionId"] = json!(role_id(BLOB_CONTRIBUTOR)),
);

rule!(id6_account_identity_cannot_upload, "ID6", AccountIdentityWithoutStorageRole,
    trigger: |d| d.get("batch-writes-packages")["properties"]["roleDefinitionId"] = json!(role_id(BLOB_READER)),
    close: |d| d.get("batch-writes-packages")["properties"]["roleDefinitionId"] = json!(role_id("b7e6dc6d-f1e8-4753-8033-0f276bb0955b")),
);

fn imds_on_two_identities(d: &mut Deployment, query: &str) {
    let other = add_identity(d, "other-id");
    let nodes = d.index("nodes-id");
    set_pool_identities(d, &[nodes, other]);
    d.get("render")["properties"]["startTask"]["commandLine"] = json!(format!(
        "/bin/bash -c 'curl -s -H Metadata:true \"http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://storage.azure.com/{query}\"'"
    ));
}

rule!(id7_imds_without_identity, "ID7", AmbiguousImdsIdentity,
    trigger: |d| imds_on_two_identities(d, ""),
    close: |d| imds_on_two_identities(d, "&client_id=00000000-0000-0000-0000-000000000001"),
);

// --- storage -------------------------------------------------------------------------------------

rule!(st1_storage_open, "ST1", StorageOpenToInternet,
    trigger: |d| {
        let storage = d.get("sblstore");
        storage["properties"]["publicNetworkAccess"] = json!("Enabled");
        storage["properties"]["networkAcls"]["defaultAction"] = json!("Allow");
    },
    close: |d| d.get("sblstore")["properties"]["publicNetworkAccess"] = json!("Enabled"),
);

rule!(st2_storage_unreachable, "ST2", StorageUnreachableFromPool,
    trigger: |d| d.disable("privatelink.blob.core.windows.net-spoke"),
    close: |d| {
        d.disable("privatelink.blob.core.windows.net-spoke");
        let subnet = d.index("pool");
        let storage = d.get("sblstore");
        storage["properties"]["publicNetworkAccess"] = json!("Enabled");
        storage["properties"]["networkAcls"]["virtualNetworkRules"] = json!([{ "id": id(subnet), "action": "Allow" }]);
        d.get("pool")["properties"]["serviceEndpoints"] = json!([{ "service": "Microsoft.Storage" }]);
    },
);

rule!(st3_hand_kept_addresses, "ST3", BatchAddressesInStorageFirewall,
    trigger: |d| d.get("sblstore")["properties"]["networkAcls"]["ipRules"] = json!([{ "value": "20.50.1.0/24", "action": "Allow" }]),
    close: |d| d.get("sblstore")["properties"]["networkAcls"]["ipRules"] = json!([]),
);

rule!(st4_keys_and_sas, "ST4", StorageKeysOrSas,
    trigger: |d| {
        d.get("sblstore")["properties"].as_object_mut().map(|p| p.remove("allowSharedKeyAccess"));
        d.get("render")["properties"]["startTask"]["resourceFiles"] = json!([
            { "httpUrl": "https://sblstore.blob.core.windows.net/tools/run.sh?sv=2022-11-02&se=2030-01-01&sr=b&sp=r&sig=abc%3D", "filePath": "run.sh" }
        ]);
    },
    close: |d| d.get("render")["properties"]["startTask"]["resourceFiles"] = json!([
        { "httpUrl": "https://sblstore.blob.core.windows.net/tools/run.sh", "filePath": "run.sh", "identityReference": { "resourceId": id(0) } }
    ]),
);

rule!(st5_weak_transport, "ST5", WeakStorageTransport,
    trigger: |d| {
        let storage = d.get("sblstore");
        storage["properties"]["minimumTlsVersion"] = json!("TLS1_0");
        storage["properties"]["allowBlobPublicAccess"] = json!(true);
    },
    close: |d| d.get("sblstore")["properties"]["minimumTlsVersion"] = json!("TLS1_3"),
);

// --- Batch accounts --------------------------------------------------------------------------------

rule!(ba1_shared_key, "BA1", BatchSharedKeyAuth,
    trigger: |d| d.get("sblbatch")["properties"]["allowedAuthenticationModes"] = json!(["SharedKey", "AAD"]),
    close: |d| d.get("sblbatch")["properties"]["allowedAuthenticationModes"] = json!(["AAD", "TaskAuthenticationToken"]),
);

rule!(ba2_public_batch, "BA2", BatchPublicEndpoint,
    trigger: |d| {
        d.get("sblbatch")["properties"]["publicNetworkAccess"] = json!("Enabled");
        d.disable("pe-nodes");
    },
    close: |d| {
        d.disable("privatelink.batch.azure.com-spoke");
        d.get("spoke-vnet")["properties"]["dhcpOptions"] = json!({ "dnsServers": ["10.0.0.68"] });
    },
);

rule!(ba3_user_subscription_vault, "BA3", UserSubscriptionVault,
    trigger: |d| d.get("sblbatch")["properties"]["poolAllocationMode"] = json!("UserSubscription"),
    close: |d| {
        let vault = d.index("sbl-kv");
        let account = d.get("sblbatch");
        account["properties"]["poolAllocationMode"] = json!("UserSubscription");
        account["properties"]["keyVaultReference"] = json!({ "id": id(vault), "url": prop(vault, "properties.vaultUri") });
        let batch_service = d.param("batchServiceObjectId", false);
        add_role(d, "batch-service-secrets", batch_service, SECRETS_OFFICER, vault);
    },
);

// --- pools ---------------------------------------------------------------------------------------------

rule!(po1_cloud_services, "PO1", CloudServicePool,
    trigger: |d| d.get("render")["properties"]["deploymentConfiguration"] = json!({ "cloudServiceConfiguration": { "osFamily": "6" } }),
    close: no_change,
);

rule!(po2_public_addresses, "PO2", PoolPublicAddresses,
    trigger: |d| d.get("render")["properties"]["networkConfiguration"]["publicIPAddressConfiguration"]["provision"] = json!("BatchManaged"),
    close: |d| {
        d.get("render")["properties"]["networkConfiguration"]["publicIPAddressConfiguration"] = json!({ "provision": "NoPublicIPAddresses" });
    },
);

fn nsg_allows_ssh_from(d: &mut Deployment, source: &str) {
    let rules = d.get("pool-nsg")["properties"]["securityRules"].as_array_mut().map(|r| {
        r.push(json!({ "name": "ssh-in", "properties": { "priority": 90, "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": source, "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "22" } }));
    });
    assert!(rules.is_some());
}

rule!(po3_remote_access, "PO3", PoolRemoteAccess,
    trigger: |d| {
        nsg_allows_ssh_from(d, "Internet");
        let password = d.param("adminPassword", true);
        d.get("render")["properties"]["userAccounts"] = json!([{ "name": "admin", "password": password, "elevationLevel": "Admin" }]);
    },
    close: |d| nsg_allows_ssh_from(d, "10.0.0.64/26"),
);

fn windows_pool(d: &mut Deployment, targets: serde_json::Value) {
    d.get("render")["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"] = json!({
        "imageReference": { "publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter", "version": "latest" },
        "nodeAgentSkuId": "batch.node.windows amd64",
        "diskEncryptionConfiguration": { "targets": targets }
    });
}

rule!(po4_disks_unencrypted, "PO4", PoolDiskUnencrypted,
    trigger: |d| windows_pool(d, json!(["TemporaryDisk"])),
    close: |d| windows_pool(d, json!(["OsDisk", "TemporaryDisk"])),
);

fn deny_internet_out(d: &mut Deployment, priority: i64) {
    d.disable("pe-nodes");
    let rules = d.get("pool-nsg")["properties"]["securityRules"].as_array_mut().map(|r| {
        r.push(json!({ "name": "deny-internet-out", "properties": { "priority": priority, "direction": "Outbound", "access": "Deny", "protocol": "*", "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "Internet", "destinationPortRange": "*" } }));
    });
    assert!(rules.is_some());
}

rule!(po5_nsg_blocks_batch, "PO5", PoolEgressBlocked,
    trigger: |d| deny_internet_out(d, 50),
    close: |d| deny_internet_out(d, 200),
);

#[test]
fn po5_firewall_blocks_batch() {
    let mut d = baseline();
    d.disable("pe-nodes");
    d.get("batch-rules")["properties"]["ruleCollections"][0]["rules"]
        .as_array_mut()
        .map(|r| r.remove(0));
    assert!(d.codes().contains(&Code::PoolEgressBlocked));
    snapshot("PO5-firewall", &d.render(Code::PoolEgressBlocked));
    let mut d = baseline();
    d.disable("pe-nodes");
    assert!(
        !d.codes().contains(&Code::PoolEgressBlocked),
        "the firewall allows BatchNodeManagement"
    );
}

rule!(po6_classic_communication, "PO6", ClassicNodeCommunication,
    trigger: |d| d.get("render")["properties"]["targetNodeCommunicationMode"] = json!("Classic"),
    close: |d| d.get("render")["properties"]["targetNodeCommunicationMode"] = json!("Default"),
);

// --- customer-managed keys ---------------------------------------------------------------------------

rule!(ck1_cmk_without_identity, "CK1", CmkWithoutIdentity,
    trigger: |d| {
        d.get("sblbatch").as_object_mut().map(|a| a.remove("identity"));
    },
    close: no_change,
);

rule!(ck2_vault_not_recoverable, "CK2", CmkVaultNotRecoverable,
    trigger: |d| d.get("sbl-kv")["properties"]["enablePurgeProtection"] = json!(false),
    close: |d| {
        d.get("sbl-kv")["properties"]["enablePurgeProtection"] = json!(false);
        d.get("sblbatch")["properties"]["encryption"] = json!({ "keySource": "Microsoft.Batch" });
    },
);

rule!(ck3_unsupported_key, "CK3", CmkUnsupportedKey,
    trigger: |d| d.get("batch-cmk")["properties"] = json!({ "kty": "EC", "curveName": "P-256" }),
    close: |d| d.get("batch-cmk")["properties"] = json!({ "kty": "RSA-HSM", "keySize": 4096 }),
);

rule!(ck4_key_access_missing, "CK4", CmkKeyAccessMissing,
    trigger: |d| d.disable("batch-uses-key"),
    close: |d| {
        d.disable("batch-uses-key");
        let account = d.index("sblbatch");
        let vault = d.index("sbl-kv");
        d.get("sbl-kv")["properties"]["enableRbacAuthorization"] = json!(false);
        // A child resource: an inline policy naming the account would make a cycle.
        d.add(json!({ "type": "Microsoft.KeyVault/vaults/accessPolicies", "apiVersion": "2023-07-01", "name": "add",
            "parent": { "id": id(vault) },
            "properties": { "accessPolicies": [{
                "tenantId": "00000000-0000-0000-0000-000000000000",
                "objectId": prop(account, "identity.principalId"),
                "permissions": { "keys": ["get", "wrapKey", "unwrapKey"] }
            }] } }));
    },
);

rule!(ck6_versioned_key, "CK6", CmkVersionedKey,
    trigger: |d| {
        let key = d.index("batch-cmk");
        d.get("sblbatch")["properties"]["encryption"]["keyVaultProperties"]["keyIdentifier"] = json!(prop(key, "properties.keyUriWithVersion"));
    },
    close: |d| d.get("sblbatch")["properties"]["encryption"]["keyVaultProperties"]["keyIdentifier"] = json!("https://sbl-kv.vault.azure.net/keys/batch-cmk"),
);

// --- network ------------------------------------------------------------------------------------------

fn add_subnet(d: &mut Deployment, vnet: &str, name: &str, prefix: &str) {
    let vnet = d.index(vnet);
    d.add(json!({ "type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2024-05-01", "name": name,
        "parent": { "id": id(vnet) }, "properties": { "addressPrefix": prefix, "routeTable": { "id": id(d.index("spoke-rt")) } } }));
}

rule!(nw1_address_conflicts, "NW1", AddressSpaceConflict,
    trigger: |d| {
        add_subnet(d, "spoke-vnet", "overlapping", "10.1.0.128/25");
        add_subnet(d, "spoke-vnet", "outside", "10.9.0.0/24");
        d.get("hub-vnet")["properties"]["addressSpace"]["addressPrefixes"] = json!(["10.0.0.0/16", "10.1.128.0/17"]);
    },
    close: |d| add_subnet(d, "spoke-vnet", "next", "10.1.2.0/24"),
);

rule!(nw2_endpoint_without_dns, "NW2", PrivateEndpointDns,
    trigger: |d| {
        d.disable("pe-vault-zones");
        d.disable("privatelink.blob.core.windows.net-spoke");
    },
    close: |d| {
        d.disable("privatelink.vaultcore.azure.net-spoke");
        d.get("spoke-vnet")["properties"]["dhcpOptions"] = json!({ "dnsServers": ["10.0.0.68"] });
    },
);

rule!(nw3_spoke_bypasses_firewall, "NW3", SpokeBypassesFirewall,
    trigger: |d| {
        d.get("endpoints")["properties"].as_object_mut().map(|p| p.remove("routeTable"));
    },
    close: |d| d.get("spoke-rt")["properties"]["routes"][0]["properties"]["nextHopIpAddress"] = json!("10.0.0.4"),
);

rule!(nw4_one_sided_peering, "NW4", PeeringOneSided,
    trigger: |d| {
        d.get("spoke-to-hub")["properties"]["useRemoteGateways"] = json!(true);
        let hub = d.index("hub-vnet");
        let lonely = d.add(json!({ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "lonely-vnet",
            "properties": { "addressSpace": { "addressPrefixes": ["10.2.0.0/16"] } } }));
        d.add(json!({ "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "apiVersion": "2024-05-01", "name": "lonely-to-hub",
            "parent": { "id": id(lonely) }, "properties": { "remoteVirtualNetwork": { "id": id(hub) } } }));
    },
    close: |d| {
        d.get("spoke-to-hub")["properties"]["useRemoteGateways"] = json!(true);
        d.get("hub-to-spoke")["properties"]["allowGatewayTransit"] = json!(true);
    },
);

rule!(nw5_wide_firewall_rules, "NW5", FirewallRuleTooWide,
    trigger: |d| {
        let rules = d.get("batch-rules")["properties"]["ruleCollections"][0]["rules"].as_array_mut().map(|r| {
            r.push(json!({ "ruleType": "NetworkRule", "name": "anything", "ipProtocols": ["Any"], "sourceAddresses": ["*"], "destinationAddresses": ["*"], "destinationPorts": ["*"] }));
            r.push(json!({ "ruleType": "ApplicationRule", "name": "all-storage", "protocols": [{ "protocolType": "Https", "port": 443 }], "sourceAddresses": ["10.1.0.0/16"], "targetFqdns": ["*.blob.core.windows.net"] }));
        });
        assert!(rules.is_some());
    },
    close: |d| {
        let rules = d.get("batch-rules")["properties"]["ruleCollections"][0]["rules"].as_array_mut().map(|r| {
            r.push(json!({ "ruleType": "ApplicationRule", "name": "our-storage", "protocols": [{ "protocolType": "Https", "port": 443 }], "sourceAddresses": ["10.1.0.0/16"], "targetFqdns": ["sblstore.blob.core.windows.net", "*.batch.azure.com"] }));
        });
        assert!(rules.is_some());
    },
);

rule!(nw6_endpoint_policies_disabled, "NW6", EndpointPoliciesDisabled,
    trigger: |d| d.get("endpoints")["properties"]["privateEndpointNetworkPolicies"] = json!("Disabled"),
    close: |d| d.get("endpoints")["properties"]["privateEndpointNetworkPolicies"] = json!("NetworkSecurityGroupEnabled"),
);

// --- key vaults ----------------------------------------------------------------------------------------

rule!(kv1_public_vault, "KV1", VaultPublicAccess,
    trigger: |d| {
        d.get("sbl-kv")["properties"]["publicNetworkAccess"] = json!("Enabled");
        d.disable("pe-vault");
    },
    close: no_change,
);

rule!(kv2_vault_not_recoverable, "KV2", VaultNotRecoverable,
    trigger: |d| {
        d.get("sblbatch")["properties"]["encryption"] = json!({ "keySource": "Microsoft.Batch" });
        d.get("sbl-kv")["properties"]["enableSoftDelete"] = json!(false);
    },
    close: |d| {
        d.get("sblbatch")["properties"]["encryption"] = json!({ "keySource": "Microsoft.Batch" });
    },
);
