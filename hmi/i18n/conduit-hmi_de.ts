<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>AvailableScreen</name>
    <message>
        <source>Software update available</source>
        <translation>Softwareupdate verfügbar</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>Steuergeräte</translation>
    </message>
    <message numerus="yes">
        <source>%n device(s) will be updated</source>
        <translation>
            <numerusform>%n Steuergerät wird aktualisiert</numerusform>
            <numerusform>%n Steuergeräte werden aktualisiert</numerusform>
        </translation>
    </message>
    <message>
        <source>Download size</source>
        <translation>Downloadgröße</translation>
    </message>
    <message>
        <source>Installation time</source>
        <translation>Installationsdauer</translation>
    </message>
    <message>
        <source>Vehicle unusable</source>
        <translation>Fahrzeug nicht nutzbar</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>Voraussetzungen</translation>
    </message>
    <message>
        <source>You can keep driving while the update downloads.</source>
        <translation>Während des Downloads können Sie weiterfahren.</translation>
    </message>
    <message>
        <source>Download now</source>
        <translation>Jetzt herunterladen</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>Planen</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>Später</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>This update cannot be postponed any more.</source>
        <translation>Dieses Update kann nicht mehr verschoben werden.</translation>
    </message>
</context>
<context>
    <name>ConditionsScreen</name>
    <message>
        <source>Action needed to install</source>
        <translation>Für die Installation erforderlich</translation>
    </message>
    <message>
        <source>The installation starts by itself when everything below is done.</source>
        <translation>Die Installation startet automatisch, sobald alles unten Genannte erledigt ist.</translation>
    </message>
    <message>
        <source>Cancel update</source>
        <translation>Update abbrechen</translation>
    </message>
</context>
<context>
    <name>DetailsScreen</name>
    <message>
        <source>Update details</source>
        <translation>Details zum Update</translation>
    </message>
    <message>
        <source>What changes</source>
        <translation>Was sich ändert</translation>
    </message>
    <message>
        <source>%1 → %2</source>
        <translation>%1 → %2</translation>
    </message>
    <message>
        <source>Total download</source>
        <translation>Download gesamt</translation>
    </message>
    <message>
        <source>Installation time</source>
        <translation>Installationsdauer</translation>
    </message>
    <message>
        <source>not stated by the update</source>
        <translation>vom Update nicht angegeben</translation>
    </message>
    <message>
        <source>Vehicle unusable</source>
        <translation>Fahrzeug nicht nutzbar</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>Voraussetzungen</translation>
    </message>
    <message>
        <source>Nothing</source>
        <translation>Keine</translation>
    </message>
    <message>
        <source>Release notes</source>
        <translation>Versionshinweise</translation>
    </message>
    <message>
        <source>This update comes without release notes.</source>
        <translation>Zu diesem Update gibt es keine Versionshinweise.</translation>
    </message>
    <message>
        <source>Install now</source>
        <translation>Jetzt installieren</translation>
    </message>
    <message>
        <source>Download now</source>
        <translation>Jetzt herunterladen</translation>
    </message>
    <message>
        <source>Skip this update</source>
        <translation>Update überspringen</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Zurück</translation>
    </message>
</context>
<context>
    <name>Format</name>
    <message>
        <source>%1 GB</source>
        <translation>%1 GB</translation>
    </message>
    <message>
        <source>%1 MB</source>
        <translation>%1 MB</translation>
    </message>
    <message>
        <source>%1 kB</source>
        <translation>%1 kB</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>less than a minute</source>
        <translation>weniger als eine Minute</translation>
    </message>
    <message numerus="yes">
        <source>%n min</source>
        <translation>
            <numerusform>%n Min.</numerusform>
            <numerusform>%n Min.</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 Std. %2 Min.</translation>
    </message>
    <message>
        <source>ddd d MMM, HH:mm</source>
        <comment>date and time format (QDateTime)</comment>
        <translation>ddd, d. MMM, HH:mm</translation>
    </message>
    <message>
        <source>Shift to P</source>
        <translation>Auf P schalten</translation>
    </message>
    <message>
        <source>Stop the vehicle (speed %1 km/h)</source>
        <translation>Fahrzeug anhalten (Geschwindigkeit %1 km/h)</translation>
    </message>
    <message>
        <source>Charge the battery (%1 %, needs %2 %)</source>
        <translation>Batterie laden (%1 %, benötigt %2 %)</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Wartet</translation>
    </message>
    <message>
        <source>Checking</source>
        <translation>Wird geprüft</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>Wird heruntergeladen</translation>
    </message>
    <message>
        <source>Preparing</source>
        <translation>Wird vorbereitet</translation>
    </message>
    <message>
        <source>Installing</source>
        <translation>Wird installiert</translation>
    </message>
    <message>
        <source>Finishing installation</source>
        <translation>Installation wird abgeschlossen</translation>
    </message>
    <message>
        <source>Activating</source>
        <translation>Wird aktiviert</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Fertig</translation>
    </message>
    <message>
        <source>Restoring previous software</source>
        <translation>Vorherige Software wird wiederhergestellt</translation>
    </message>
    <message>
        <source>Update complete</source>
        <translation>Update abgeschlossen</translation>
    </message>
    <message>
        <source>Update rolled back</source>
        <translation>Update rückgängig gemacht</translation>
    </message>
    <message>
        <source>Update declined</source>
        <translation>Update abgelehnt</translation>
    </message>
    <message>
        <source>Update cancelled</source>
        <translation>Update abgebrochen</translation>
    </message>
    <message>
        <source>Update failed</source>
        <translation>Update fehlgeschlagen</translation>
    </message>
    <message>
        <source>Installed</source>
        <translation>Installiert</translation>
    </message>
    <message>
        <source>Rolled back</source>
        <translation>Zurückgesetzt</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>Abgelehnt</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Checking the update</source>
        <translation>Update wird geprüft</translation>
    </message>
    <message>
        <source>Downloading the update</source>
        <translation>Update wird heruntergeladen</translation>
    </message>
    <message>
        <source>Installing the update</source>
        <translation>Update wird installiert</translation>
    </message>
    <message>
        <source>Activating the new software</source>
        <translation>Neue Software wird aktiviert</translation>
    </message>
    <message>
        <source>Verifying the new software</source>
        <translation>Neue Software wird überprüft</translation>
    </message>
    <message>
        <source>Finishing the update</source>
        <translation>Update wird abgeschlossen</translation>
    </message>
    <message>
        <source>Restoring the previous software</source>
        <translation>Vorherige Software wird wiederhergestellt</translation>
    </message>
    <message>
        <source>Resuming after an interruption</source>
        <translation>Fortsetzung nach einer Unterbrechung</translation>
    </message>
    <message>
        <source>Updating</source>
        <translation>Update läuft</translation>
    </message>
    <message>
        <source>checking the update</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation>Prüfen des Updates</translation>
    </message>
    <message>
        <source>waiting for your consent</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation>Warten auf Ihre Zustimmung</translation>
    </message>
    <message>
        <source>downloading</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation>Herunterladen</translation>
    </message>
    <message>
        <source>waiting for the vehicle to be ready</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation>Warten auf die Fahrzeugbedingungen</translation>
    </message>
    <message>
        <source>installing</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation>Installieren</translation>
    </message>
    <message>
        <source>activating the new software</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation>Aktivieren der neuen Software</translation>
    </message>
    <message>
        <source>checking the new software</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation>Prüfen der neuen Software</translation>
    </message>
    <message>
        <source>finishing the update</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation>Abschließen des Updates</translation>
    </message>
    <message>
        <source>saving the update&apos;s progress</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation>Speichern des Update-Fortschritts</translation>
    </message>
    <message>
        <source>updating</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Device %1 reported an error while %2.</source>
        <translation>Steuergerät %1 hat beim %2 einen Fehler gemeldet.</translation>
    </message>
    <message>
        <source>Device %1 did not answer in time while %2.</source>
        <translation>Steuergerät %1 hat beim %2 nicht rechtzeitig geantwortet.</translation>
    </message>
    <message>
        <source>Device %1 did not start the new software.</source>
        <translation>Steuergerät %1 hat die neue Software nicht gestartet.</translation>
    </message>
    <message>
        <source>A required vehicle condition was no longer met while %1.</source>
        <translation>Beim %1 war eine erforderliche Fahrzeugbedingung nicht mehr erfüllt.</translation>
    </message>
    <message>
        <source>The update was stopped while %1.</source>
        <translation>Das Update wurde beim %1 abgebrochen.</translation>
    </message>
    <message>
        <source>You declined the update.</source>
        <translation>Sie haben das Update abgelehnt.</translation>
    </message>
    <message>
        <source>Device %1 cannot take this update.</source>
        <translation>Steuergerät %1 kann dieses Update nicht übernehmen.</translation>
    </message>
    <message>
        <source>This update does not fit this vehicle.</source>
        <translation>Dieses Update passt nicht zu diesem Fahrzeug.</translation>
    </message>
    <message>
        <source>The new software for device %1 was not available.</source>
        <translation>Die neue Software für Steuergerät %1 war nicht verfügbar.</translation>
    </message>
    <message>
        <source>The update was interrupted by a power loss.</source>
        <translation>Das Update wurde durch einen Stromausfall unterbrochen.</translation>
    </message>
    <message>
        <source>The update service had an internal error while %1.</source>
        <translation>Im Update-Dienst ist beim %1 ein interner Fehler aufgetreten.</translation>
    </message>
    <message>
        <source>A problem occurred while %1.</source>
        <translation>Beim %1 ist ein Problem aufgetreten.</translation>
    </message>
</context>
<context>
    <name>HistoryScreen</name>
    <message>
        <source>Update history</source>
        <translation>Update-Verlauf</translation>
    </message>
    <message numerus="yes">
        <source>%n update(s)</source>
        <translation>
            <numerusform>%n Update</numerusform>
            <numerusform>%n Updates</numerusform>
        </translation>
    </message>
    <message>
        <source>No updates yet.</source>
        <translation>Noch keine Updates.</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Zurück</translation>
    </message>
</context>
<context>
    <name>HmiRoot</name>
    <message>
        <source>Software update</source>
        <translation>Softwareupdate</translation>
    </message>
    <message>
        <source>Automatic updates on</source>
        <translation>Automatische Updates an</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
</context>
<context>
    <name>IdleScreen</name>
    <message>
        <source>Your vehicle is up to date</source>
        <translation>Ihr Fahrzeug ist auf dem neuesten Stand</translation>
    </message>
    <message>
        <source>Last update: %1, %2</source>
        <translation>Letztes Update: %1, %2</translation>
    </message>
    <message>
        <source>No software update has been installed yet.</source>
        <translation>Es wurde noch kein Softwareupdate installiert.</translation>
    </message>
    <message>
        <source>Update service</source>
        <translation>Update-Dienst</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Verbunden</translation>
    </message>
    <message>
        <source>Install updates automatically</source>
        <translation>Updates automatisch installieren</translation>
    </message>
    <message>
        <source>When this is on, updates are downloaded and installed without asking, as soon as the vehicle is parked.</source>
        <translation>Wenn eingeschaltet, werden Updates ohne Nachfrage heruntergeladen und installiert, sobald das Fahrzeug parkt.</translation>
    </message>
    <message>
        <source>Update history</source>
        <translation>Update-Verlauf</translation>
    </message>
    <message>
        <source>Privacy</source>
        <translation>Datenschutz</translation>
    </message>
</context>
<context>
    <name>InstallConsentScreen</name>
    <message>
        <source>Ready to install</source>
        <translation>Bereit zur Installation</translation>
    </message>
    <message>
        <source>The vehicle cannot be driven for about %1 while the update is installed.</source>
        <translation>Während der Installation kann das Fahrzeug etwa %1 lang nicht gefahren werden.</translation>
    </message>
    <message>
        <source>The vehicle cannot be driven while the update is installed.</source>
        <translation>Während der Installation kann das Fahrzeug nicht gefahren werden.</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>Steuergeräte</translation>
    </message>
    <message numerus="yes">
        <source>%n device(s) will be updated</source>
        <translation>
            <numerusform>%n Steuergerät wird aktualisiert</numerusform>
            <numerusform>%n Steuergeräte werden aktualisiert</numerusform>
        </translation>
    </message>
    <message>
        <source>Installation time</source>
        <translation>Installationsdauer</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>Voraussetzungen</translation>
    </message>
    <message>
        <source>If anything goes wrong, every device returns to its current software.</source>
        <translation>Falls etwas schiefgeht, kehrt jedes Steuergerät zu seiner aktuellen Software zurück.</translation>
    </message>
    <message>
        <source>Install now</source>
        <translation>Jetzt installieren</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>Planen</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>Später</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>This update cannot be postponed any more.</source>
        <translation>Dieses Update kann nicht mehr verschoben werden.</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Software update</source>
        <translation>Softwareupdate</translation>
    </message>
</context>
<context>
    <name>PostponedScreen</name>
    <message>
        <source>Update scheduled for %1</source>
        <translation>Update geplant für %1</translation>
    </message>
    <message>
        <source>Update postponed</source>
        <translation>Update verschoben</translation>
    </message>
    <message>
        <source>The update is downloaded. The vehicle asks again before installing it.</source>
        <translation>Das Update ist heruntergeladen. Vor der Installation fragt das Fahrzeug erneut.</translation>
    </message>
    <message>
        <source>Nothing has been downloaded yet. The vehicle asks again at the scheduled time.</source>
        <translation>Es wurde noch nichts heruntergeladen. Das Fahrzeug fragt zur geplanten Zeit erneut.</translation>
    </message>
    <message>
        <source>Install now</source>
        <translation>Jetzt installieren</translation>
    </message>
    <message>
        <source>Download now</source>
        <translation>Jetzt herunterladen</translation>
    </message>
    <message>
        <source>Change time</source>
        <translation>Zeit ändern</translation>
    </message>
    <message>
        <source>Update history</source>
        <translation>Update-Verlauf</translation>
    </message>
</context>
<context>
    <name>PrivacyScreen</name>
    <message>
        <source>Delete your personal data?</source>
        <translation>Ihre personenbezogenen Daten löschen?</translation>
    </message>
    <message>
        <source>Your data</source>
        <translation>Ihre Daten</translation>
    </message>
    <message>
        <source>Location and camera data stored in this vehicle are deleted now and cannot be restored. What you allow stays allowed.</source>
        <translation>Die in diesem Fahrzeug gespeicherten Standort- und Kameradaten werden jetzt gelöscht und können nicht wiederhergestellt werden. Was Sie erlauben, bleibt erlaubt.</translation>
    </message>
    <message>
        <source>Choose what the vehicle may collect. Location and camera images are personal data: they are collected only when you allow it. Switching a kind of data off deletes what is stored of it.</source>
        <translation>Wählen Sie, was das Fahrzeug erfassen darf. Standort und Kamerabilder sind personenbezogene Daten: Sie werden nur erfasst, wenn Sie es erlauben. Wenn Sie eine Datenart ausschalten, wird gelöscht, was davon gespeichert ist.</translation>
    </message>
    <message>
        <source>%1 (personal)</source>
        <translation>%1 (personenbezogen)</translation>
    </message>
    <message>
        <source>%1. Not collected at the moment.</source>
        <translation>%1. Wird zurzeit nicht erfasst.</translation>
    </message>
    <message>
        <source>%1. Collected for: %2.</source>
        <translation>%1. Erfasst für: %2.</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Zurück</translation>
    </message>
    <message>
        <source>Delete my data</source>
        <translation>Meine Daten löschen</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Keep</source>
        <translation>Behalten</translation>
    </message>
</context>
<context>
    <name>ProgressScreen</name>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>About %1 left</source>
        <translation>Noch etwa %1</translation>
    </message>
    <message>
        <source>Please keep the vehicle switched on.</source>
        <translation>Bitte lassen Sie das Fahrzeug eingeschaltet.</translation>
    </message>
    <message>
        <source>Cancel update</source>
        <translation>Update abbrechen</translation>
    </message>
</context>
<context>
    <name>ResultScreen</name>
    <message>
        <source>All devices run the new software. The vehicle is ready to drive.</source>
        <translation>Alle Steuergeräte laufen mit der neuen Software. Das Fahrzeug ist fahrbereit.</translation>
    </message>
    <message>
        <source>The update could not be completed. Every device was returned to its previous software; the vehicle is ready to drive.</source>
        <translation>Das Update konnte nicht abgeschlossen werden. Alle Steuergeräte wurden auf ihre vorherige Software zurückgesetzt; das Fahrzeug ist fahrbereit.</translation>
    </message>
    <message>
        <source>The update was not installed. Nothing was changed.</source>
        <translation>Das Update wurde nicht installiert. Es wurde nichts verändert.</translation>
    </message>
    <message>
        <source>The update was stopped. Every device keeps its previous software.</source>
        <translation>Das Update wurde gestoppt. Alle Steuergeräte behalten ihre bisherige Software.</translation>
    </message>
    <message>
        <source>The update failed and could not be undone on: %1. Please contact a workshop.</source>
        <translation>Das Update ist fehlgeschlagen und konnte hier nicht rückgängig gemacht werden: %1. Bitte wenden Sie sich an eine Werkstatt.</translation>
    </message>
    <message>
        <source>The update failed. The vehicle keeps its previous software.</source>
        <translation>Das Update ist fehlgeschlagen. Das Fahrzeug behält seine bisherige Software.</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>Beendet</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Update history</source>
        <translation>Update-Verlauf</translation>
    </message>
    <message>
        <source>Details for the workshop</source>
        <translation>Details für die Werkstatt</translation>
    </message>
    <message>
        <source>The update could not be completed. Every device was set back to its previous software; some return to it only when the vehicle restarts.</source>
        <translation>Das Update konnte nicht abgeschlossen werden. Alle Steuergeräte wurden auf ihre vorherige Software zurückgesetzt; einige kehren erst nach einem Neustart des Fahrzeugs zu ihr zurück.</translation>
    </message>
    <message>
        <source>Please restart the vehicle: %1 still run the new software until the next restart.</source>
        <translation>Bitte starten Sie das Fahrzeug neu: %1 führen bis zum nächsten Neustart noch die neue Software aus.</translation>
    </message>
</context>
<context>
    <name>ScheduleScreen</name>
    <message>
        <source>Schedule the installation</source>
        <translation>Installation planen</translation>
    </message>
    <message>
        <source>Schedule the download</source>
        <translation>Download planen</translation>
    </message>
    <message>
        <source>The vehicle asks again at the chosen time.</source>
        <translation>Das Fahrzeug fragt zur gewählten Zeit erneut.</translation>
    </message>
    <message>
        <source>Remind me at %1</source>
        <translation>Um %1 erinnern</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Zurück</translation>
    </message>
</context>
<context>
    <name>UnavailableScreen</name>
    <message>
        <source>Update service unavailable</source>
        <translation>Update-Dienst nicht verfügbar</translation>
    </message>
    <message>
        <source>Software updates are paused. This screen continues by itself as soon as the service is back; the vehicle can be used normally.</source>
        <translation>Softwareupdates sind pausiert. Diese Anzeige geht von selbst weiter, sobald der Dienst wieder da ist; das Fahrzeug kann normal genutzt werden.</translation>
    </message>
</context>
<context>
    <name>UpdateFlow</name>
    <message>
        <source>Vehicle parked (P)</source>
        <translation>Fahrzeug geparkt (P)</translation>
    </message>
    <message>
        <source>Battery at least %1 %</source>
        <translation>Batterie mindestens %1 %</translation>
    </message>
    <message>
        <source>In 1 hour</source>
        <translation>In 1 Stunde</translation>
    </message>
    <message>
        <source>Tonight at %1</source>
        <translation>Heute Abend um %1</translation>
    </message>
    <message>
        <source>Tomorrow at %1</source>
        <translation>Morgen um %1</translation>
    </message>
    <message>
        <source>The vehicle is no longer waiting for this answer.</source>
        <translation>Das Fahrzeug wartet nicht mehr auf diese Antwort.</translation>
    </message>
    <message>
        <source>The vehicle refused the request: %1</source>
        <translation>Das Fahrzeug hat die Anfrage abgelehnt: %1</translation>
    </message>
    <message>
        <source>The update service did not answer. Please try again.</source>
        <translation>Der Update-Dienst antwortet nicht. Bitte versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>Vehicle data</source>
        <translation>Fahrzeugdaten</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>Standort</translation>
    </message>
    <message>
        <source>Camera images</source>
        <translation>Kamerabilder</translation>
    </message>
    <message>
        <source>Diagnostics</source>
        <translation>Diagnose</translation>
    </message>
    <message>
        <source>System logs</source>
        <translation>Systemprotokolle</translation>
    </message>
    <message>
        <source>Speed, battery and other signals of the vehicle</source>
        <translation>Geschwindigkeit, Batterie und andere Signale des Fahrzeugs</translation>
    </message>
    <message>
        <source>Where the vehicle is and where it went</source>
        <translation>Wo das Fahrzeug ist und wo es war</translation>
    </message>
    <message>
        <source>Pictures and clips from the vehicle&apos;s cameras</source>
        <translation>Bilder und Videos der Fahrzeugkameras</translation>
    </message>
    <message>
        <source>Fault codes and diagnostic files of the control units</source>
        <translation>Fehlercodes und Diagnosedateien der Steuergeräte</translation>
    </message>
    <message>
        <source>Messages of the vehicle&apos;s software</source>
        <translation>Meldungen der Fahrzeugsoftware</translation>
    </message>
    <message numerus="yes">
        <source>%n stored record(s) deleted.</source>
        <translation>
            <numerusform>%n gespeicherter Datensatz gelöscht.</numerusform>
            <numerusform>%n gespeicherte Datensätze gelöscht.</numerusform>
        </translation>
    </message>
    <message>
        <source>Your data could not be changed: %1</source>
        <translation>Ihre Daten konnten nicht geändert werden: %1</translation>
    </message>
    <message>
        <source>This update cannot be postponed again.</source>
        <translation>Dieses Update kann nicht noch einmal verschoben werden.</translation>
    </message>
</context>
</TS>
