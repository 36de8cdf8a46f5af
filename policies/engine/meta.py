"""The compliance vocabulary of the pack: frameworks, the controls policies cite, severities and categories.

Controls are cited by key (``"gdpr-32-1-a"``) so a typo fails at import time, and so the markdown report and
docs/compliance.md can group policies by control. Only controls a policy here actually serves are listed; the
wording is a short paraphrase for reviewers, not the regulation's text.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.engine.catalogues import CATALOGUES

SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class Category:
    title: str
    security: bool
    """Security-related: never disabled and never downgraded to advisory, in any stack."""
    dev_may_advise: bool
    """Dev may run it as advisory (an intended, documented finding) instead of mandatory."""


CATEGORIES = {
    "security": Category(
        "Security: confidentiality, access, encryption, network exposure, audit logging",
        security=True,
        dev_may_advise=False,
    ),
    "resilience": Category("Resilience: backups, recovery, failover, monitoring", security=False, dev_may_advise=False),
    "cost": Category(
        "Cost-driven resilience: Multi-AZ, sharding, extra replicas, cross-region copies",
        security=False,
        dev_may_advise=True,
    ),
    "lifecycle": Category(
        "Protections that make an environment undeletable: deletion/termination protection, "
        "final snapshots, vault locks",
        security=False,
        dev_may_advise=True,
    ),
    "governance": Category(
        "Governance: tagging, inventory, records of processing", security=False, dev_may_advise=False
    ),
}


@dataclass(frozen=True)
class Framework:
    key: str
    name: str
    version: str
    url: str


FRAMEWORKS = {
    "gdpr": Framework("gdpr", "GDPR", "Regulation (EU) 2016/679", "https://eur-lex.europa.eu/eli/reg/2016/679/oj"),
    "ccpa": Framework(
        "ccpa",
        "CCPA",
        "Cal. Civ. Code §1798 (as amended by CPRA)",
        "https://leginfo.legislature.ca.gov/faces/codes_displayText.xhtml?division=3.&part=4.&lawCode=CIV&title=1.81.5",
    ),
    "pci": Framework("pci", "PCI DSS", "v4.0.1", "https://www.pcisecuritystandards.org/document_library/"),
    "cis": Framework(
        "cis", "CIS AWS Foundations Benchmark", "v3.0.0", "https://www.cisecurity.org/benchmark/amazon_web_services"
    ),
    "nist": Framework("nist", "NIST SP 800-53", "Rev. 5", "https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final"),
    # The catalogues policies/engine/catalogues.py lists control by control (coverage tables in docs/compliance.md).
    **{c.key: Framework(c.key, c.name, c.version, c.url) for c in CATALOGUES},
}


@dataclass(frozen=True)
class Control:
    key: str
    framework: str
    ref: str
    title: str

    @property
    def framework_name(self) -> str:
        return FRAMEWORKS[self.framework].name

    @property
    def framework_version(self) -> str:
        return FRAMEWORKS[self.framework].version


def _controls(*rows: tuple[str, str, str, str]) -> dict[str, Control]:
    return {key: Control(key, fw, ref, title) for key, fw, ref, title in rows}


CONTROLS = _controls(
    # GDPR
    ("gdpr-5-1-c", "gdpr", "Art. 5(1)(c)", "Data minimisation: no personal data in logs, traces or caches beyond need"),
    ("gdpr-5-1-f", "gdpr", "Art. 5(1)(f)", "Integrity and confidentiality of personal data"),
    ("gdpr-25", "gdpr", "Art. 25", "Data protection by design and by default"),
    ("gdpr-30", "gdpr", "Art. 30", "Records of processing: know which systems hold which data"),
    ("gdpr-32-1-a", "gdpr", "Art. 32(1)(a)", "Encryption of personal data"),
    ("gdpr-32-1-b", "gdpr", "Art. 32(1)(b)", "Ongoing confidentiality, integrity, availability and resilience"),
    ("gdpr-32-1-c", "gdpr", "Art. 32(1)(c)", "Restore availability and access to personal data in a timely manner"),
    ("gdpr-32-1-d", "gdpr", "Art. 32(1)(d)", "Regularly test, assess and evaluate the effectiveness of measures"),
    ("gdpr-33", "gdpr", "Art. 33", "Detect and notify a personal data breach within 72 hours"),
    # CCPA
    (
        "ccpa-1798-100-e",
        "ccpa",
        "§1798.100(e)",
        "Reasonable security procedures appropriate to the personal information",
    ),
    (
        "ccpa-1798-150",
        "ccpa",
        "§1798.150(a)(1)",
        "Liability for breaches of nonencrypted or nonredacted personal "
        "information caused by a failure to maintain reasonable security",
    ),
    # PCI DSS v4.0.1
    ("pci-1-2-5", "pci", "1.2.5", "All allowed services, protocols and ports are identified and approved"),
    ("pci-1-3-1", "pci", "1.3.1", "Inbound traffic to the CDE is restricted to what is necessary"),
    ("pci-1-3-2", "pci", "1.3.2", "Outbound traffic from the CDE is restricted to what is necessary"),
    (
        "pci-1-4-4",
        "pci",
        "1.4.4",
        "System components storing cardholder data are not directly accessible from untrusted networks",
    ),
    ("pci-2-2-1", "pci", "2.2.1", "Configuration standards are applied to system components"),
    ("pci-2-2-2", "pci", "2.2.2", "Vendor default accounts are managed (removed, disabled or renamed)"),
    ("pci-3-5-1", "pci", "3.5.1", "Stored account data is rendered unreadable (strong cryptography)"),
    ("pci-3-6-1", "pci", "3.6.1", "Cryptographic keys are protected: key management procedures"),
    ("pci-3-7-4", "pci", "3.7.4", "Keys are changed at the end of their cryptoperiod (rotation)"),
    ("pci-4-2-1", "pci", "4.2.1", "Strong cryptography protects data in transit"),
    ("pci-6-3-3", "pci", "6.3.3", "Known vulnerabilities are fixed by installing patches"),
    ("pci-7-2-1", "pci", "7.2.1", "An access control model restricts access to need to know"),
    ("pci-7-2-2", "pci", "7.2.2", "Least privilege for users and system accounts"),
    ("pci-8-2-2", "pci", "8.2.2", "No shared or generic accounts"),
    ("pci-8-3-1", "pci", "8.3.1", "All access is authenticated"),
    ("pci-8-3-2", "pci", "8.3.2", "Authentication factors are unreadable in storage and transit"),
    ("pci-8-3-6", "pci", "8.3.6", "Passwords are at least 12 characters and contain numeric and alphabetic characters"),
    ("pci-8-3-9", "pci", "8.3.9", "Passwords are changed at least every 90 days"),
    ("pci-8-6-2", "pci", "8.6.2", "No hard-coded passwords for system and application accounts"),
    ("pci-10-2-1", "pci", "10.2.1", "Audit logs are enabled and active for all system components"),
    ("pci-10-3-2", "pci", "10.3.2", "Audit log files are protected from modification"),
    ("pci-10-5-1", "pci", "10.5.1", "Audit log history is retained for at least 12 months"),
    ("pci-10-7-2", "pci", "10.7.2", "Failures of critical security control systems are detected and alerted"),
    ("pci-12-5-1", "pci", "12.5.1", "An inventory of system components in scope is maintained"),
    ("pci-12-10-1", "pci", "12.10.1", "Incident response plan incl. business recovery, continuity and backups"),
    # CIS AWS Foundations Benchmark v3.0.0
    ("cis-1-16", "cis", "1.16", 'IAM policies that allow full "*:*" administrative privileges are not attached'),
    ("cis-2-1-1", "cis", "2.1.1", "S3 bucket policy denies HTTP requests"),
    ("cis-2-1-4", "cis", "2.1.4", "S3 buckets are configured with Block Public Access"),
    ("cis-2-3-1", "cis", "2.3.1", "Encryption is enabled for RDS instances"),
    ("cis-2-3-2", "cis", "2.3.2", "Auto minor version upgrade is enabled for RDS instances"),
    ("cis-2-3-3", "cis", "2.3.3", "RDS instances are not publicly accessible"),
    ("cis-3-8", "cis", "3.8", "Rotation is enabled for customer-created symmetric CMKs"),
    ("cis-3-9", "cis", "3.9", "VPC flow logging is enabled in all VPCs"),
    ("cis-5-1", "cis", "5.1", "No network ACL allows ingress from 0.0.0.0/0 to remote administration ports"),
    ("cis-5-2", "cis", "5.2", "No security group allows ingress from 0.0.0.0/0 to remote administration ports"),
    ("cis-5-3", "cis", "5.3", "No security group allows ingress from ::/0 to remote administration ports"),
    ("cis-5-4", "cis", "5.4", "The default security group of every VPC restricts all traffic"),
    # NIST SP 800-53 (cited where no catalogue above has the control: code integrity)
    (
        "nist-cm-14",
        "nist",
        "CM-14",
        "Signed components: software is installed only if signed with an approved certificate",
    ),
    ("nist-si-7-15", "nist", "SI-7(15)", "Code authentication: software is authenticated before installation"),
    ("nist-sa-2", "nist", "SA-2", "Allocation of resources: what the system needs is determined and budgeted"),
)

# Every catalogue control is citable by its key ("fsbp-rds-3"); whether a policy does is the coverage.
CONTROLS.update({c.key: Control(c.key, cat.key, c.ref, c.title) for cat in CATALOGUES for c in cat.controls})

# Short names used throughout the policy modules.
GDPR_MIN, GDPR_CONF, GDPR_DESIGN, GDPR_RECORDS = "gdpr-5-1-c", "gdpr-5-1-f", "gdpr-25", "gdpr-30"
GDPR_ENC, GDPR_CIA, GDPR_RESTORE, GDPR_TEST, GDPR_BREACH = (
    "gdpr-32-1-a",
    "gdpr-32-1-b",
    "gdpr-32-1-c",
    "gdpr-32-1-d",
    "gdpr-33",
)
CCPA_SEC, CCPA_BREACH = "ccpa-1798-100-e", "ccpa-1798-150"
