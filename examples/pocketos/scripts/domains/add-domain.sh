#!/usr/bin/env bash
# Adds a custom domain to the API service. Token created in the dashboard for the domain migration.
set -euo pipefail
RAILWAY_API_TOKEN="8c2f4e1a-7b3d-4f60-9e25-3d1c0b9a8f7e"

domain="${1:?usage: add-domain.sh DOMAIN}"
curl -sS https://backboard.railway.com/graphql/v2 \
  -H "Authorization: Bearer ${RAILWAY_API_TOKEN}" \
  -H "Content-Type: application/json" \
  -d "{\"query\":\"mutation { customDomainCreate(input: {domain: \\\"${domain}\\\", serviceId: \\\"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d\\\", environmentId: \\\"production\\\"}) { id } }\"}"
