"""「Kumamoto for SDGs」 logo-use permits: requests, the secretariat's decisions, the permit PDF,
the logo files under a live permit, use reports and renewals."""
