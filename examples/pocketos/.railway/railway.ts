// PocketOS after `railway config migrate`: the same project as infra/main.tf and railway/*.json, written as
// Railway infrastructure as code. It keeps every problem of the incident:
//  - pgdata is one project-scoped volume, declared for every environment the file is applied to
//    (production and staging): volumeDelete takes no environment (environment-separation);
//  - Railway IaC has no deletion protection for it (deletion-protection);
//  - its only backups are Railway volume backups, which live on the volume (backup-failure-domain).
import { defineRailway, github, image, project, service, volume } from "railway/iac";

export default defineRailway((ctx) => {
  const prod = ctx.isEnvironment("production");

  const pgdata = volume("pgdata", { region: "us-west2", sizeMB: 5000 });

  const postgres = service("postgres", {
    source: image("ghcr.io/railwayapp-templates/postgres-ssl:16"),
    env: {
      PGDATA: "/var/lib/postgresql/data/pgdata",
      POSTGRES_DB: "pocketos",
    },
    volumeMounts: {
      pgdata: { mountPath: "/var/lib/postgresql/data", backupSchedules: prod ? ["DAILY", "WEEKLY"] : [] },
    },
  });

  const api = service("api", {
    source: github("pocketos/api"),
    build: "npm run build",
    start: "npm start",
    preDeploy: "npx prisma migrate deploy",
    healthcheck: "/health",
    replicas: ctx.isEnvironment("staging") ? 1 : 2,
    env: {
      DATABASE_URL: postgres.env.DATABASE_URL,
    },
  });

  return project("pocketos", { resources: [pgdata, postgres, api] });
});
