package dev.fusion.simulator;

/** The built-in web's pages, in the form {@link WebCorpus#parse} reads. Written for the simulator. */
final class CorpusText {
  private CorpusText() {}

  static final String PAGES = """
      === electric-car-battery-range
      title: Electric Car Batteries: What Limits Range and Battery Life
      summary: The range and lifespan of an electric car battery depend on cell chemistry, temperature, charging habits and driving speed.
      ## Why range falls in the cold
      Lithium-ion cells deliver less energy when they are cold, and the car spends power heating the cabin and the pack itself.
      A heat pump and preconditioning while plugged in recover much of the winter loss.
      ## What wears a battery out
      Capacity fades with the number of full cycles, with time spent at a very high or very low charge, and with heat.
      Frequent fast charging warms the pack; most cars limit the charge rate to protect it, so occasional use does little harm.
      ## Habits that help
      Keeping the daily charge between about 20 and 80 percent and parking in the shade in hot climates slow the ageing of the cells.
      Highway speed matters more than acceleration: air drag grows with the square of speed.

      === heat-pumps-vs-gas-boilers
      title: Heat Pumps versus Gas Boilers in Older Houses
      summary: A heat pump can heat an old house well if the radiators are large enough and the worst draughts are fixed; a gas boiler costs less to install but more to run where electricity is cheap.
      ## Flow temperature is the key number
      Heat pumps are most efficient at low flow temperatures, around 35 to 50 degrees, so undersized radiators may need replacing.
      A heat loss survey room by room shows which radiators are too small before any equipment is bought.
      ## Running costs and emissions
      With a seasonal efficiency of three, a heat pump turns one unit of electricity into about three units of heat.
      Whether that is cheaper than gas depends on the local price ratio of electricity to gas and on available grants.
      ## Insulation first
      Loft insulation, draught proofing and secondary glazing reduce the size of the heat pump needed and the bills with either system.

      === kafka-for-small-teams
      title: Apache Kafka for Small Teams: When an Event Log Pays Off
      summary: Kafka is a durable, replicated event log; it pays off when several services need the same stream of events, and it costs operational effort a small team must plan for.
      ## What Kafka is good at
      Producers append events to partitioned topics, and consumers read at their own pace from offsets they commit.
      Replay is cheap: a new service can read history from the beginning instead of asking other services for data.
      ## The costs
      Running brokers means monitoring disk, partitions and consumer lag, and upgrading with care.
      Managed Kafka services remove most of that work at a price; a simple queue may suffice for one producer and one consumer.
      ## Event-driven design
      Events should describe facts that happened, carry a key for ordering, and evolve with a schema that stays compatible.

      === monolith-to-microservices
      title: Migrating a Monolith to Microservices: Costs and Benefits
      summary: Microservices let large teams deploy independently, but they add network calls, distributed data and operational overhead that a modular monolith avoids.
      ## When the move pays off
      Many teams blocking each other on one release train, parts with very different scaling needs, and clear domain boundaries favour services.
      ## What it costs
      Every call between services can fail or be slow, data consistency needs sagas or events, and tracing becomes essential.
      ## A gradual path
      The strangler fig pattern moves one capability at a time behind a stable interface, keeping the system working throughout.
      A modular monolith with enforced boundaries is a cheaper first step and keeps the option open.

      === rust-vs-go
      title: Rust and Go Compared for Backend Services
      summary: Go offers fast compilation, a simple language and a garbage collector; Rust offers memory safety without a garbage collector and finer control at the price of a steeper learning curve.
      ## Performance and memory
      Rust programs have no garbage collection pauses and predictable memory use, which matters for latency-sensitive systems.
      Go's collector has short pauses and its goroutines make concurrent network services easy to write.
      ## Productivity
      Go is quick to learn and its tooling is uniform; Rust's borrow checker catches data races at compile time but takes months to master.
      ## Choosing
      Teams often pick Go for network services and command-line tools, and Rust for systems code, parsers and performance-critical libraries.

      === remote-work-communication
      title: How Remote Work Changes Team Communication
      summary: Remote teams rely more on written, asynchronous communication; they lose informal hallway conversation and must replace it deliberately.
      ## Writing as the default
      Decisions recorded in documents reach everyone across time zones and leave a searchable history.
      ## What gets lost
      Weak ties between teams fade without chance encounters, which can slow the spread of information across an organisation.
      Regular in-person gatherings and open video calls partly restore those ties.
      ## Meetings
      Shorter meetings with written agendas, and recordings for those who cannot attend, keep synchronous time for discussion that needs it.

      === sleep-and-memory
      title: Sleep and Memory: Why Rest Helps You Learn
      summary: During sleep the brain replays and consolidates what was learned during the day; too little sleep impairs attention, learning and mood.
      ## Consolidation
      Deep slow-wave sleep strengthens memories of facts, while REM sleep is linked to skills and emotional memory.
      ## How much is enough
      Most adults need seven to nine hours; teenagers need more and naturally fall asleep later.
      ## Better sleep
      A regular schedule, morning daylight, a cool dark room and less caffeine late in the day improve sleep quality.

      === coffee-and-health
      title: Coffee and Health: What the Research Says
      summary: Moderate coffee drinking, about three to four cups a day, is associated with neutral or slightly positive health outcomes for most adults.
      ## Caffeine
      Caffeine blocks adenosine receptors, improving alertness; its half-life of about five hours means afternoon coffee can disturb sleep.
      ## Observational findings
      Large cohort studies associate coffee with lower risk of type 2 diabetes and liver disease, though such studies cannot prove cause.
      ## Who should limit it
      Pregnant people and those with certain heart rhythm problems are usually advised to keep caffeine low.

      === how-tides-work
      title: How Tides Work: The Moon, the Sun and the Shape of Coasts
      summary: Tides are caused mainly by the Moon's gravity pulling unequally on the Earth, with the Sun adding spring and neap cycles; coastlines shape the local range.
      ## Two bulges
      The difference in the Moon's pull across the Earth raises water on the side facing the Moon and on the opposite side, giving two high tides a day in many places.
      ## Spring and neap tides
      When Sun and Moon align, at new and full moon, their effects add up to spring tides; at quarter moons they partly cancel into neap tides.
      ## Local range
      Funnel-shaped bays such as the Bay of Fundy amplify the tide through resonance, while enclosed seas like the Mediterranean have very small tides.

      === learning-piano-as-an-adult
      title: Learning Piano as an Adult
      summary: Adults learn piano well with short daily practice, a good teacher or structured course, and pieces they enjoy.
      ## Practice
      Twenty to thirty minutes every day beats a long session once a week, because skills consolidate between sessions.
      Slow, accurate practice with hands separately builds reliable movements before speed.
      ## Reading music
      Learning to read notation early opens a large repertoire; chord-based playing gets beginners accompanying songs sooner.
      ## Motivation
      Choosing music you love and playing for others now and then keeps adult learners going through plateaus.

      === rooftop-solar-panels
      title: Rooftop Solar Panels: Payback, Output and Maintenance
      summary: Rooftop solar pays back its cost in roughly six to twelve years depending on sunshine, electricity prices and how much of the power the household uses itself.
      ## Output
      A south-facing roof in central Europe yields roughly 900 to 1100 kilowatt hours per installed kilowatt each year.
      ## Self-consumption
      Using power when the sun shines, with timers, a battery or an electric car, raises the value of each kilowatt hour produced.
      ## Maintenance
      Panels need little care; inverters typically last ten to fifteen years and are the part most likely to be replaced.

      === quantum-tunneling
      title: Quantum Tunneling Explained
      summary: Quantum tunneling lets a particle cross an energy barrier it classically could not, because its wavefunction extends into and through the barrier.
      ## The idea
      A particle's wavefunction decays inside a barrier but does not vanish, so there is a small probability of finding it on the other side.
      The probability falls steeply with the barrier's width and height.
      ## Where it matters
      Tunneling powers nuclear fusion in the Sun, radioactive alpha decay, flash memory and the scanning tunneling microscope.

      === photosynthesis
      title: Photosynthesis: How Plants Turn Light into Sugar
      summary: Photosynthesis uses light energy to turn carbon dioxide and water into sugar and oxygen, in two linked stages inside chloroplasts.
      ## The light reactions
      Chlorophyll absorbs light, splitting water, releasing oxygen and storing energy in ATP and NADPH.
      ## The Calvin cycle
      The enzyme RuBisCO fixes carbon dioxide, and the stored energy builds sugars that feed the plant and, ultimately, most life on Earth.
      ## Efficiency
      Plants convert only about one to two percent of sunlight into biomass; C4 plants such as maize do better in hot, bright climates.

      === inflation-and-interest-rates
      title: Inflation and Interest Rates: How Central Banks Respond
      summary: Central banks raise interest rates to cool demand when inflation runs above target, accepting slower growth for a time.
      ## The transmission
      Higher policy rates raise borrowing costs, reduce spending and investment, and strengthen the currency, easing price pressure with a lag of a year or more.
      ## Supply shocks
      When inflation comes from energy or supply disruptions, rate rises work more slowly and risk deeper slowdowns.
      ## Expectations
      If people expect inflation to stay high, wages and prices chase each other; credible targets keep expectations anchored.

      === fall-of-rome
      title: Why the Western Roman Empire Fell
      summary: Historians point to many causes of the Western Empire's fall in the fifth century: civil wars, fiscal strain, pressure from migrating peoples and the division of the empire.
      ## Internal weakness
      Frequent civil wars and usurpations drained armies and treasuries and made frontier defence unreliable.
      ## External pressure
      Gothic, Vandal and other groups settled within the empire, and the loss of North Africa's tax revenue in 439 was a severe blow.
      ## Continuity
      Many historians stress transformation rather than sudden collapse: Roman law, language and church institutions endured.

      === crispr-gene-editing
      title: CRISPR Gene Editing: How It Works and Where It Is Used
      summary: CRISPR-Cas9 uses a guide RNA to lead the Cas9 enzyme to a chosen DNA sequence and cut it, letting scientists disable or rewrite genes.
      ## The mechanism
      The guide RNA matches a 20-letter target sequence; after the cut, the cell's own repair either disrupts the gene or copies in a supplied template.
      ## Uses
      CRISPR is used in research, crop breeding and approved therapies for sickle cell disease and beta thalassemia.
      ## Concerns
      Off-target cuts and the ethics of editing embryos remain the main concerns.

      === why-the-sky-is-blue
      title: Why the Sky Is Blue
      summary: Sunlight scatters off air molecules, and shorter blue wavelengths scatter far more than red ones, so blue light reaches the eye from every direction of the sky.
      ## Rayleigh scattering
      Scattering by particles much smaller than the wavelength grows with the inverse fourth power of wavelength, favouring blue over red.
      ## Sunsets
      At sunrise and sunset light crosses much more air, most blue is scattered away, and the remaining light looks orange and red.
      ## Why not violet
      The Sun emits less violet, some is absorbed high in the atmosphere, and our eyes are less sensitive to it.
      """;
}
