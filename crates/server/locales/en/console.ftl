# The platform operator's console at /platform/.

console-name = Lyceum platform
console-footer = Lyceum platform console
console-nav-tenants = Tenants
console-nav-audit = Audit log
console-sign-in-heading = Sign in to the platform

placement-pool = shared pool
placement-schema = own schema
placement-database = own database
tenant-status-provisioning = provisioning
tenant-status-active = active
tenant-status-suspended = suspended
tenant-status-deleted = deleted

tenants-title = Tenants
tenants-caption = Every tenant of this deployment
tenants-tenant = Tenant
tenants-plan = Plan
tenants-placement = Placement
tenants-status = Status
tenants-change = Change
tenants-suspend = Suspend { $slug }
tenants-resume = Resume { $slug }
tenants-new = New tenant
tenants-name = Name
tenants-slug = Slug
tenants-slug-hint = (3 to 63 lower-case letters, digits and hyphens)
tenants-create = Create the tenant

audit-title = Audit log
audit-empty = Nothing recorded yet.
audit-caption = Platform actions, newest first (times in UTC)
audit-when = When
audit-who = Who
audit-action = Action
audit-tenant = Tenant
