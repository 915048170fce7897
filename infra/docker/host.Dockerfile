# The FoodOrdering host with the built web UI.  Build context: the repository root (see docker-compose.yaml).

# 1. The web UI (React + Vite) into web/dist.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/ ./
RUN npm run build

# 2. The host, published with the .NET SDK.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY app/ app/
RUN dotnet publish app/FoodOrdering.Host -c Release -o /out

# 3. The runtime: ASP.NET Core, plus Debian's librdkafka (the Kafka client loads it; Confluent's native package is not used)
#    and curl for the health check.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends librdkafka1 curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /out ./
COPY --from=web /src/web/dist ./web/dist
ENV WebUi__Path=/app/web/dist \
    Urls=http://0.0.0.0:3000 \
    DOTNET_ENVIRONMENT=Production
EXPOSE 3000
ENTRYPOINT ["dotnet", "FoodOrdering.Host.dll", "--contentRoot", "/app"]
