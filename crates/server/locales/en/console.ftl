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
audit-seq = #
audit-from = From where
audit-chain-edited = Chain broken: entry { $seq } was edited.
audit-chain-removed = Chain broken: entry { $seq } was removed.
audit-chain-reordered = Chain broken: entry { $seq } was moved out of order.
audit-chain-held = The log was changed in the database; the { $entries } entries before it hold.
audit-chain-intact = Chain intact: { $entries } entries checked{ $unchained ->
    [0] {""}
   *[other] , and { $unchained } written before the chain began (not protected)
}.
audit-chain-head = Newest: entry { $seq }, hash

## Platform operators: a password reset given, a sign-in unlocked

console-nav-operators = Operators
operators-title = Platform operators
operators-caption = Every platform user of this deployment
operators-name = Name
operators-locked = sign-in locked
operators-send-reset = Give { $email } a password reset
operators-unlock = Unlock the sign-in of { $email }
operators-reset-given = A one-time link for { $email } to choose a new password, good until { $expires } (UTC). It is shown only now: pass it on to them.
operators-unlocked = { $email } may sign in again.
console-reset-intro = Choose the new password of your platform account, with the link another operator gave you. The link works once.
