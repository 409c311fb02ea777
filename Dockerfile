# One image for every Fusion service; docker-compose picks the main class per service.
# Each service gets only its own runtime classpath (/app/<module>), so the embedded-broker jars of the
# launcher never ship in a service. Logging (logback, and its configuration) comes with each service's
# classpath through the logging module; the services log json lines to stderr (FUSION_LOG_FORMAT).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests install \
 && for m in simulator ingress panel-worker judge-worker synthesizer; do \
      mvn -B -q -pl "$m" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="/app/$m" \
      && cp "$m"/target/"$m"-*.jar "/app/$m/"; \
    done

FROM eclipse-temurin:17-jre
COPY --from=build /app /app
WORKDIR /app
ENV FUSION_DATA_DIR=/data
