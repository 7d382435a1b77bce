# PocketOS on Railway, managed with the community provider.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    railway = {
      source  = "terraform-community-providers/railway"
      version = "~> 0.4"
    }
  }
}

# The provider reads RAILWAY_TOKEN from the environment (an account or workspace token).
provider "railway" {}

resource "railway_project" "pocketos" {
  name        = "pocketos"
  description = "PocketOS API and database"

  default_environment = {
    name = "production"
  }
}

resource "railway_environment" "staging" {
  name       = "staging"
  project_id = railway_project.pocketos.id
}

resource "railway_service" "api" {
  name        = "api"
  project_id  = railway_project.pocketos.id
  source_repo = "pocketos/api"
}

resource "railway_service" "postgres" {
  name         = "postgres"
  project_id   = railway_project.pocketos.id
  source_image = "ghcr.io/railwayapp-templates/postgres-ssl:16"

  volume = {
    name       = "pgdata"
    mount_path = "/var/lib/postgresql/data"
  }
}

resource "railway_variable" "pgdata" {
  name           = "PGDATA"
  value          = "/var/lib/postgresql/data/pgdata"
  environment_id = railway_project.pocketos.default_environment.id
  service_id     = railway_service.postgres.id
}
